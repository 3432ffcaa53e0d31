"""The roles of Sanbao's users, and the groups of them the rules speak of."""

ADMIN = "admin"
AGENT = "agent"
DISPATCHER = "dispatcher"
TECHNICIAN = "technician"
PROVIDER_MANAGER = "provider_manager"
PARTS_CLERK = "parts_clerk"
HQ_PLANNER = "hq_planner"
AUDITOR = "auditor"
# 客服主管: the call centre's supervisor, who writes customer-care campaigns and keeps the opt-out list.
SUPERVISOR = "supervisor"

ROLES = (ADMIN, AGENT, DISPATCHER, TECHNICIAN, PROVIDER_MANAGER, PARTS_CLERK, HQ_PLANNER, AUDITOR, SUPERVISOR)
# Provider staff see only their own provider's work.
PROVIDER_ROLES = (TECHNICIAN, PROVIDER_MANAGER)
# A parts clerk approves requisitions for one province.
REGION_ROLES = (PARTS_CLERK,)
# A dispatcher may work for one province (or, with no region, the whole country).
PROVINCE_SCOPED_ROLES = (PARTS_CLERK, DISPATCHER)
