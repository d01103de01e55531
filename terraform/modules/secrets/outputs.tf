output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the secrets (readers need kms:Decrypt on it)."
  value       = module.key.arn
}

output "airflow_connections_secret_arns" {
  description = "ARNs of the Airflow connection secrets, by connection id (olist_shop, olist_warehouse)."
  value       = { for conn_id, secret in aws_secretsmanager_secret.airflow_connection : conn_id => secret.arn }
}

output "shop_secret_arns" {
  description = "ARNs of the shop's secrets: django_secret_key (DJANGO_SECRET_KEY) and database_url (DATABASE_URL)."
  value = {
    django_secret_key = aws_secretsmanager_secret.shop["django_secret_key"].arn
    database_url      = aws_secretsmanager_secret.shop["database_url"].arn
  }
}

output "metabase_database_uri_secret_arn" {
  description = "ARN of Metabase's MB_DB_CONNECTION_URI secret."
  value       = aws_secretsmanager_secret.metabase_database_uri.arn
}

output "metabase_warehouse_url_secret_arn" {
  description = "ARN of the warehouse URL Metabase reads with (the read-only BI user), METABASE_WAREHOUSE_URL."
  value       = aws_secretsmanager_secret.metabase_warehouse_url.arn
}

output "airflow_secrets_arn_prefix" {
  description = "ARN prefix of the secrets MWAA's backend reads, arn:<partition>:secretsmanager:<region>:<account>:secret:airflow/ (append connections/* or variables/*)."
  value       = "arn:${local.partition}:secretsmanager:${local.region}:${local.account_id}:secret:airflow/"
}
