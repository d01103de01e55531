# What the deploy and the first-run steps need (docs/deploy.md). The same in every environment.

output "lake_root_uri" {
  description = "The lake's root (LAKE_URI): raw/, processed/, rejected/ and the published sites."
  value       = module.lake.lake_root_uri
}

output "mwaa_bucket" {
  description = "Where dist/mwaa/ goes: dags/, plugins.zip and requirements.txt."
  value       = module.lake.mwaa_bucket_name
}

output "artefacts_bucket" {
  description = "Where dist/glue/ goes, under glue/."
  value       = module.lake.artefacts_bucket_name
}

output "airflow_webserver_url" {
  description = "The Airflow UI, reachable from inside the VPC only."
  value       = module.mwaa.webserver_url
}

output "mwaa_environment_name" {
  description = "The MWAA environment, for aws mwaa update-environment and create-web-login-token."
  value       = module.mwaa.environment_name
}

output "glue_job_name" {
  description = "The cleaning job the DAG starts."
  value       = module.glue.job_name
}

output "warehouse_endpoint" {
  description = "The Redshift Serverless endpoint (host:port/database), reachable from inside the VPC."
  value       = "${module.warehouse.endpoint_address}:${module.warehouse.port}/${module.warehouse.database_name}"
}

output "warehouse_admin_secret_arn" {
  description = "The Redshift admin password, managed by Redshift in Secrets Manager (first-run grants only)."
  value       = module.warehouse.admin_password_secret_arn
}

output "airflow_warehouse_connection" {
  description = "The value to store in the airflow/connections/olist_warehouse secret: no password, the DAG signs in with IAM."
  value = jsonencode({
    conn_type = "redshift"
    host      = module.warehouse.endpoint_address
    port      = module.warehouse.port
    schema    = module.warehouse.database_name
    extra = {
      iam_role       = module.warehouse.copy_role_arn
      workgroup_name = module.warehouse.workgroup_name
      region_name    = var.region
    }
  })
}

output "shop_database_address" {
  description = "The shop's RDS PostgreSQL host, reachable from inside the VPC."
  value       = module.shop_database.address
}

output "shop_database_master_secret_arn" {
  description = "The RDS master password, managed by RDS in Secrets Manager (first-run role creation only)."
  value       = module.shop_database.master_user_secret_arn
}

output "secret_arns" {
  description = "The Secrets Manager entries whose values are set outside Terraform, by name."
  value = merge(
    module.secrets.airflow_connections_secret_arns,
    module.secrets.shop_secret_arns,
    {
      metabase_database_uri  = module.secrets.metabase_database_uri_secret_arn
      metabase_warehouse_url = module.secrets.metabase_warehouse_url_secret_arn
    },
  )
}

output "load_balancer_dns_name" {
  description = "Point the shop's and Metabase's DNS records (CNAME or alias) here."
  value       = module.shop_service.alb_dns_name
}

output "ecr_repository_url" {
  description = "Push the shop image here, tagged with the commit's SHA."
  value       = module.shop_service.ecr_repository_url
}

output "shop_service_name" {
  description = "The shop's ECS service, which the deploy rolls to each new task definition revision."
  value       = module.shop_service.shop_service_name
}

output "shop_task_definition_family" {
  description = "The shop service's task definition family; the deploy registers a revision per release."
  value       = module.shop_service.shop_task_definition_family
}

output "ecs_cluster_name" {
  description = "The ECS cluster of the shop and Metabase."
  value       = module.shop_service.cluster_name
}

output "github_deploy_role_arn" {
  description = "AWS_ROLE_ARN of the GitHub environment named after this one (apply, deploy)."
  value       = module.github_oidc.deploy_role_arn
}

output "github_plan_role_arn" {
  description = "AWS_ROLE_ARN of the GitHub environment <this one>-plan (plans on pull requests)."
  value       = module.github_oidc.plan_role_arn
}

output "shop_migrate_task" {
  description = "What aws ecs run-task needs to run the shop's migrations before a new version serves: the cluster, the network and the migrate task definition's family (its own execution role; it signs in as the RDS master user with the password RDS manages), of which the deploy registers a revision per release."
  value       = module.shop_service.migrate
}
