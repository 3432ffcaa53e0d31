"""The install base (安装点): the sale records every warranty claim is matched against."""
