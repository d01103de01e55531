output "alb_dns_name" {
  description = "DNS name of the load balancer (point shop_domain and metabase_domain at it)."
  value       = aws_lb.this.dns_name
}

output "alb_zone_id" {
  description = "Hosted zone ID of the load balancer, for Route 53 alias records."
  value       = aws_lb.this.zone_id
}

output "alb_arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "shop_service_name" {
  description = "Name of the shop's ECS service."
  value       = aws_ecs_service.shop.name
}

output "metabase_service_name" {
  description = "Name of Metabase's ECS service."
  value       = aws_ecs_service.metabase.name
}

output "shop_task_definition_family" {
  description = "Family of the shop service's task definition (the deploy registers a revision per release)."
  value       = aws_ecs_task_definition.shop.family
}

output "shop_task_definition_arn" {
  description = "ARN of the shop's current task definition revision."
  value       = aws_ecs_task_definition.shop.arn
}

output "shop_security_group_id" {
  description = "Security group of the shop tasks (a client of the shop database)."
  value       = aws_security_group.shop.id
}

output "metabase_security_group_id" {
  description = "Security group of the Metabase tasks (a client of the shop database and the warehouse)."
  value       = aws_security_group.metabase.id
}

output "alb_security_group_id" {
  description = "Security group of the load balancer."
  value       = aws_security_group.alb.id
}

output "ecr_repository_url" {
  description = "URL of the shop image's ECR repository (push <url>:<tag>, then apply with that tag as shop_image_tag)."
  value       = aws_ecr_repository.shop.repository_url
}

output "task_execution_role_arn" {
  description = "ARN of the services' ECS task execution role (image pull, logs, the services' secrets)."
  value       = aws_iam_role.execution.arn
}

output "migrate_task_execution_role_arn" {
  description = "ARN of the migrate task's execution role (image pull, its logs, the database master user's password from the secret RDS manages)."
  value       = aws_iam_role.migrate_execution.arn
}

output "shop_task_role_arn" {
  description = "ARN of the shop's task role (no permissions)."
  value       = aws_iam_role.shop_task.arn
}

output "kms_key_arn" {
  description = "ARN of the module's KMS key (ECR repository and log groups)."
  value       = module.key.arn
}

output "web_acl_arn" {
  description = "ARN of the WAF web ACL on the load balancer."
  value       = aws_wafv2_web_acl.this.arn
}

output "migrate" {
  description = "What the deploy's one-off migrate needs for `aws ecs run-task` (Fargate, private subnets, no public IP): the migrate task definition's family, whose container runs the migrations as the owner of the shop's tables without any override."
  value = {
    cluster            = aws_ecs_cluster.this.name
    family             = aws_ecs_task_definition.shop_migrate.family
    task_definition    = aws_ecs_task_definition.shop_migrate.arn
    container_name     = "shop"
    subnet_ids         = var.private_subnet_ids
    security_group_ids = [aws_security_group.shop.id]
    assign_public_ip   = "DISABLED"
    launch_type        = "FARGATE"
  }
}
