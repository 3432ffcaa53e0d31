"""Parts supply: parts used on jobs, shortages, requisitions, RDC sales orders, the HQ plan and purchase
orders, and the supply cycle."""
