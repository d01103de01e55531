# The platform's images, from one lock file: `shop` (Django + DRF under gunicorn) and `pipeline`
# (Airflow with the DAGs, the cleaning job on local Spark, the quality gates, the warehouse's SQL
# and the dashboards).
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_COMPILE_BYTECODE=1 \
    PATH=/opt/venv/bin:$PATH

RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /app
COPY pyproject.toml uv.lock ./
# Every locked package but the cleaning job (glue_jobs/), which only the pipeline image holds.
RUN uv sync --frozen --no-default-groups --no-install-project --no-install-package olist-cleaning

COPY django_project ./django_project
WORKDIR /app/django_project


FROM base AS pipeline

# Spark runs on a JVM (Java 17, as on the machines the project is tested on).
RUN apt-get update \
    && apt-get install --no-install-recommends -y openjdk-17-jre-headless \
    && rm -rf /var/lib/apt/lists/*
# AIRFLOW_HOME=/app: Airflow's default dags/ and plugins/ folders are the project's.
ENV AIRFLOW_HOME=/app
COPY dags /app/dags
COPY plugins /app/plugins
COPY glue_jobs /app/glue_jobs
# The cleaning job, installed from its folder as in the lock (the tasks start it in process).
RUN cd /app && uv sync --frozen --no-default-groups --no-install-project
COPY expectations /app/expectations
COPY sql /app/sql
COPY dashboards /app/dashboards

# The pipeline package outside Airflow too (python -m olist_pipeline.dashboards ...).
ENV PYTHONPATH=/app/plugins
EXPOSE 8080
CMD ["airflow", "standalone"]


FROM base AS shop

EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "-c", "config/gunicorn.conf.py"]
