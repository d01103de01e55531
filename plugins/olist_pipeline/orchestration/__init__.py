"""What Airflow runs: the task bodies (``tasks``), the run's facts handed from task to task
(``run_facts``), the operator that starts the cleaning job on AWS Glue (``glue``), the Assets
(``assets``), the systems behind the Airflow connections
(``connections``), the run report (``report``) and the environment of a local Airflow
(``local_airflow``)."""
