"""The cleaning job on AWS Glue (``CLEAN_RUNNER=glue``): the Amazon provider's
``GlueJobOperator``, which starts a run of the job Terraform defines, waits for it and links
the run in the Airflow UI, fed with the run's facts.

A quiet day (the extract found no row) starts no Glue job run: a run bills at least a minute
of workers for nothing, so the operator commits the day's empty partitions with the job's own
``commit_quiet_day`` instead, as the local runners do.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.amazon.aws.operators.glue import GlueJobOperator

from olist_pipeline.settings import PipelineSettings


class CleanOnGlueOperator(GlueJobOperator):
    """Start the cleaning job ``settings.glue_job_name`` for the run ``facts`` describes
    (an ``XComArg`` of the extract's ``RunFacts``, resolved when the task runs)."""

    template_fields = (*GlueJobOperator.template_fields, "facts")

    def __init__(self, *, facts: Any, settings: PipelineSettings, **kwargs: Any):
        super().__init__(
            job_name=settings.glue_job_name, aws_conn_id=settings.aws_conn_id, **kwargs
        )
        self.facts = facts
        self.settings = settings

    def execute(self, context: Any) -> str | None:
        from olist_pipeline.orchestration import connections, tasks

        arguments = tasks.job_arguments(self.settings, self.facts)
        if self.facts.quiet:
            from olist_cleaning.quiet_day import commit_quiet_day

            self.log.info("Clean: %s; no Glue job run started", tasks.NO_NEW_DATA)
            commit_quiet_day(connections.lake(self.settings), arguments)
            return None
        self.script_args = {**self.script_args, **arguments.glue_script_args()}
        return super().execute(context)
