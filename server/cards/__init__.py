"""Service cards (服务卡): extended warranties and service contracts covering units for the people who hold them."""
