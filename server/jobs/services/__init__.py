"""The rules of jobs: requests and customers, who sees which job, dispatch, the steps of a job's life, SLA."""
