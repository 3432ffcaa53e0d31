"""The roles of Sanbao's users, and the groups of them the rules speak of."""

ADMIN = "admin"
AGENT = "agent"
DISPATCHER = "dispatcher"
TECHNICIAN = "technician"
PROVIDER_MANAGER = "provider_manager"
PARTS_CLERK = "parts_clerk"
HQ_PLANNER = "hq_planner"
AUDITOR = "auditor"

ROLES = (ADMIN, AGENT, DISPATCHER, TECHNICIAN, PROVIDER_MANAGER, PARTS_CLERK, HQ_PLANNER, AUDITOR)
# Provider staff see only their own provider's work.
PROVIDER_ROLES = (TECHNICIAN, PROVIDER_MANAGER)
# A parts clerk approves requisitions for one province.
REGION_ROLES = (PARTS_CLERK,)
# A dispatcher may work for one province (or, with no region, the whole country).
PROVINCE_SCOPED_ROLES = (PARTS_CLERK, DISPATCHER)
