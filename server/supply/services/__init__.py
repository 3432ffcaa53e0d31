"""The rules of parts supply: usage and shortages on jobs, requisitions and sales orders, the HQ plan, the cycle."""
