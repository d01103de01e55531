terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.25.0"
    }
  }
}

data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

data "aws_vpc" "this" {
  id = var.vpc_id
}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region

  log_group_names = {
    shop     = "/ecs/${var.name}/shop"
    metabase = "/ecs/${var.name}/metabase"
    # WAF only logs to groups whose name starts with aws-waf-logs-.
    waf = "aws-waf-logs-${var.name}"
  }
  log_group_arns = {
    for k, n in local.log_group_names : k => "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${n}"
  }

  shop_port     = 8000
  metabase_port = 3000

  # The ALB's health checks send the task's IP address as Host, which Django rejects unless it is
  # in ALLOWED_HOSTS; the container adds its own IP (from the ECS task metadata endpoint) to
  # DJANGO_ALLOWED_HOSTS, then starts gunicorn as the Dockerfile's CMD does.
  shop_start_script = join("\n", [
    "export DJANGO_ALLOWED_HOSTS=\"$DJANGO_ALLOWED_HOSTS,$(python -c 'import json, os, urllib.request; print(json.load(urllib.request.urlopen(os.environ[\"ECS_CONTAINER_METADATA_URI_V4\"]))[\"Networks\"][0][\"IPv4Addresses\"][0])')\"",
    "exec gunicorn config.wsgi -c config/gunicorn.conf.py",
  ])

  # The container health check calls /healthz on the loopback with the shop's own host name.
  shop_health_check_script = "import urllib.request as r; r.urlopen(r.Request('http://127.0.0.1:${local.shop_port}/healthz', headers={'Host': '${var.shop_domain}'}), timeout=4)"

  migrate_command = ["python", "manage.py", "migrate", "--no-input"]

  # The migrations sign in as the RDS master user, the owner of the shop's tables, with a URL
  # without a password: Django then passes none and libpq reads PGPASSWORD, which ECS fills from
  # the master user secret RDS manages (and rotates) when the task starts, so it is never stale.
  migrations_database_url  = "postgresql://${var.migrations_database.master_username}@${var.migrations_database.address}:${var.migrations_database.port}/${var.migrations_database.database_name}?sslmode=require"
  migrations_password_from = "${var.migrations_database.master_user_secret_arn}:password::"

  # awslogs streams are <prefix>/<container>/<task id>: the service's and the migrations' tasks
  # share the shop's log group, told apart (and their roles' log grants) by the prefix.
  shop_log_prefix    = "shop"
  migrate_log_prefix = "migrate"
}

# --- KMS key (ECR repository, log groups) -------------------------------------

module "key" {
  source = "../kms_key"

  alias                = "${var.name}-shop-service"
  description          = "${var.name}: shop service (ECR repository, ECS and WAF log groups)"
  deletion_window_days = var.kms_deletion_window_days
  log_group_arns       = values(local.log_group_arns)
}

resource "aws_cloudwatch_log_group" "this" {
  for_each = local.log_group_names

  name              = each.value
  retention_in_days = var.log_retention_days
  kms_key_id        = module.key.arn
}

# --- ECR repository of the shop image ----------------------------------------

resource "aws_ecr_repository" "shop" {
  name                 = "${var.name}/shop"
  image_tag_mutability = "IMMUTABLE"
  force_delete         = var.ecr_force_delete

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = module.key.arn
  }
}

data "aws_ecr_lifecycle_policy_document" "shop" {
  rule {
    priority    = 1
    description = "Keep the newest ${var.ecr_keep_images} images"

    selection {
      tag_status   = "any"
      count_type   = "imageCountMoreThan"
      count_number = var.ecr_keep_images
    }

    action {
      type = "expire"
    }
  }
}

resource "aws_ecr_lifecycle_policy" "shop" {
  repository = aws_ecr_repository.shop.name
  policy     = data.aws_ecr_lifecycle_policy_document.shop.json
}

# --- Security groups ----------------------------------------------------------

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "Load balancer of the shop and Metabase"
  vpc_id      = var.vpc_id
}

resource "aws_security_group" "shop" {
  name        = "${var.name}-shop"
  description = "Shop API tasks"
  vpc_id      = var.vpc_id
}

resource "aws_security_group" "metabase" {
  name        = "${var.name}-metabase"
  description = "Metabase tasks"
  vpc_id      = var.vpc_id
}

# The only ingress from the internet in the platform: HTTPS to the load balancer.
resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from the internet"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "alb_to_shop" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To the shop tasks"
  ip_protocol                  = "tcp"
  from_port                    = local.shop_port
  to_port                      = local.shop_port
  referenced_security_group_id = aws_security_group.shop.id
}

resource "aws_vpc_security_group_egress_rule" "alb_to_metabase" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To the Metabase tasks"
  ip_protocol                  = "tcp"
  from_port                    = local.metabase_port
  to_port                      = local.metabase_port
  referenced_security_group_id = aws_security_group.metabase.id
}

resource "aws_vpc_security_group_ingress_rule" "shop_from_alb" {
  security_group_id            = aws_security_group.shop.id
  description                  = "From the load balancer"
  ip_protocol                  = "tcp"
  from_port                    = local.shop_port
  to_port                      = local.shop_port
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_egress_rule" "shop_https" {
  security_group_id = aws_security_group.shop.id
  description       = "HTTPS to the VPC endpoints (ECR, Secrets Manager, Logs) and S3"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "shop_postgres" {
  security_group_id = aws_security_group.shop.id
  description       = "PostgreSQL to the shop database in the VPC"
  ip_protocol       = "tcp"
  from_port         = 5432
  to_port           = 5432
  cidr_ipv4         = data.aws_vpc.this.cidr_block
}

resource "aws_vpc_security_group_ingress_rule" "metabase_from_alb" {
  security_group_id            = aws_security_group.metabase.id
  description                  = "From the load balancer"
  ip_protocol                  = "tcp"
  from_port                    = local.metabase_port
  to_port                      = local.metabase_port
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_egress_rule" "metabase_https" {
  security_group_id = aws_security_group.metabase.id
  description       = "HTTPS to the VPC endpoints and, through the NAT gateway, Docker Hub"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "metabase_postgres" {
  security_group_id = aws_security_group.metabase.id
  description       = "PostgreSQL to Metabase's application database in the VPC"
  ip_protocol       = "tcp"
  from_port         = 5432
  to_port           = 5432
  cidr_ipv4         = data.aws_vpc.this.cidr_block
}

resource "aws_vpc_security_group_egress_rule" "metabase_redshift" {
  security_group_id = aws_security_group.metabase.id
  description       = "Redshift to the warehouse in the VPC (the dashboards' data source)"
  ip_protocol       = "tcp"
  from_port         = 5439
  to_port           = 5439
  cidr_ipv4         = data.aws_vpc.this.cidr_block
}

# --- IAM: task execution role and task roles ---------------------------------

data "aws_iam_policy_document" "ecs_tasks_trust" {
  statement {
    sid     = "AssumeRoleByEcsTasks"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:*"]
    }
  }
}

# Two task execution roles, so that only the migrate one-off can read the owner's password: the
# services' role (the shop's and Metabase's secrets) and the migrate task's role (the shop's
# Django key and the RDS master user secret). Both pull the shop image through the shared policy.
resource "aws_iam_role" "execution" {
  name               = "${var.name}-shop-service-execution"
  description        = "ECS task execution of the shop and Metabase services: pull the shop image, write the task logs, read the services' secrets"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_trust.json
}

resource "aws_iam_role" "migrate_execution" {
  name               = "${var.name}-shop-migrate-execution"
  description        = "ECS task execution of the shop's one-off migrate task: pull the shop image, write its logs, read the database master user's password"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_trust.json
}

# What both execution roles need: the shop image and decrypting the secrets they may read.
data "aws_iam_policy_document" "execution" {
  # GetAuthorizationToken has no resource type: the token is for the registry, not a repository.
  statement {
    sid       = "EcrGetAuthorizationTokenRegistryWide"
    effect    = "Allow"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid    = "PullShopImage"
    effect = "Allow"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:GetDownloadUrlForLayer",
      "ecr:BatchGetImage",
    ]
    resources = [aws_ecr_repository.shop.arn]
  }

  # Only the secrets each role's own policy lets it read: the key is shared by all of them.
  statement {
    sid       = "DecryptTaskSecrets"
    effect    = "Allow"
    actions   = ["kms:Decrypt"]
    resources = [var.secrets_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "task-execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_iam_role_policy" "migrate_execution" {
  name   = "task-execution"
  role   = aws_iam_role.migrate_execution.id
  policy = data.aws_iam_policy_document.execution.json
}

data "aws_iam_policy_document" "service_execution" {
  statement {
    sid    = "WriteServiceLogs"
    effect = "Allow"
    actions = [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
    ]
    resources = [
      "${local.log_group_arns.shop}:log-stream:${local.shop_log_prefix}/*",
      "${local.log_group_arns.metabase}:log-stream:*",
    ]
  }

  statement {
    sid     = "ReadServiceSecrets"
    effect  = "Allow"
    actions = ["secretsmanager:GetSecretValue"]
    resources = [
      var.shop_secret_arns.django_secret_key,
      var.shop_secret_arns.database_url,
      var.metabase_database_uri_secret_arn,
    ]
  }
}

resource "aws_iam_role_policy" "service_execution" {
  name   = "service-secrets-and-logs"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.service_execution.json
}

data "aws_iam_policy_document" "migrate_execution" {
  statement {
    sid    = "WriteMigrateLogs"
    effect = "Allow"
    actions = [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
    ]
    resources = ["${local.log_group_arns.shop}:log-stream:${local.migrate_log_prefix}/*"]
  }

  statement {
    sid     = "ReadMigrateSecrets"
    effect  = "Allow"
    actions = ["secretsmanager:GetSecretValue"]
    resources = [
      var.shop_secret_arns.django_secret_key,
      var.migrations_database.master_user_secret_arn,
    ]
  }

  # RDS encrypts the master user secret with the database's own key, not the secrets module's.
  statement {
    sid       = "DecryptMasterUserSecret"
    effect    = "Allow"
    actions   = ["kms:Decrypt"]
    resources = [var.migrations_database.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.amazonaws.com"]
    }
  }
}

resource "aws_iam_role_policy" "migrate_secrets_and_logs" {
  name   = "migrate-secrets-and-logs"
  role   = aws_iam_role.migrate_execution.id
  policy = data.aws_iam_policy_document.migrate_execution.json
}

# Task roles without policies: neither the shop nor Metabase calls an AWS API.
resource "aws_iam_role" "shop_task" {
  name               = "${var.name}-shop-task"
  description        = "Shop API task role (no AWS permissions needed)"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_trust.json
}

resource "aws_iam_role" "metabase_task" {
  name               = "${var.name}-metabase-task"
  description        = "Metabase task role (no AWS permissions needed)"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_trust.json
}

# --- ECS ----------------------------------------------------------------------

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enhanced"
  }
}

resource "aws_ecs_task_definition" "shop" {
  family                   = "${var.name}-shop"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.shop_cpu
  memory                   = var.shop_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.shop_task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # gunicorn's worker heartbeat files need a writable /tmp; the root filesystem stays read-only.
  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([
    {
      name                   = "shop"
      image                  = "${aws_ecr_repository.shop.repository_url}:${var.shop_image_tag}"
      essential              = true
      readonlyRootFilesystem = true
      command                = ["sh", "-c", local.shop_start_script]
      portMappings = [
        {
          name          = "http"
          containerPort = local.shop_port
          protocol      = "tcp"
        }
      ]
      environment = [
        { name = "DJANGO_ENV", value = "production" },
        { name = "HOST", value = "0.0.0.0" },
        { name = "PORT", value = tostring(local.shop_port) },
        { name = "DJANGO_ALLOWED_HOSTS", value = var.shop_domain },
      ]
      secrets = [
        { name = "DJANGO_SECRET_KEY", valueFrom = var.shop_secret_arns.django_secret_key },
        { name = "DATABASE_URL", valueFrom = var.shop_secret_arns.database_url },
      ]
      mountPoints = [
        {
          sourceVolume  = "tmp"
          containerPath = "/tmp"
          readOnly      = false
        }
      ]
      healthCheck = {
        command     = ["CMD", "python", "-c", local.shop_health_check_script]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 30
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.this["shop"].name
          awslogs-region        = local.region
          awslogs-stream-prefix = local.shop_log_prefix
        }
      }
    }
  ])
}

# The deploy's one-off migrate task: the shop's image and settings, signed in to the database as
# the owner of the shop's tables, the RDS master user (the migrations change the schema, which
# the service's olist_shop_app role may not). Only this definition's execution role reads the
# master user's password.
resource "aws_ecs_task_definition" "shop_migrate" {
  family                   = "${var.name}-shop-migrate"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.shop_cpu
  memory                   = var.shop_memory
  execution_role_arn       = aws_iam_role.migrate_execution.arn
  task_role_arn            = aws_iam_role.shop_task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([
    {
      name                   = "shop"
      image                  = "${aws_ecr_repository.shop.repository_url}:${var.shop_image_tag}"
      essential              = true
      readonlyRootFilesystem = true
      command                = local.migrate_command
      environment = [
        { name = "DJANGO_ENV", value = "production" },
        { name = "DJANGO_ALLOWED_HOSTS", value = var.shop_domain },
        { name = "DATABASE_URL", value = local.migrations_database_url },
      ]
      secrets = [
        { name = "DJANGO_SECRET_KEY", valueFrom = var.shop_secret_arns.django_secret_key },
        { name = "PGPASSWORD", valueFrom = local.migrations_password_from },
      ]
      mountPoints = [
        {
          sourceVolume  = "tmp"
          containerPath = "/tmp"
          readOnly      = false
        }
      ]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.this["shop"].name
          awslogs-region        = local.region
          awslogs-stream-prefix = local.migrate_log_prefix
        }
      }
    }
  ])
}

resource "aws_ecs_task_definition" "metabase" {
  #checkov:skip=CKV_AWS_336:The official Metabase image's entrypoint writes to the root filesystem at start (user setup, plugin extraction), so it cannot be read-only.
  family                   = "${var.name}-metabase"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.metabase_cpu
  memory                   = var.metabase_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.metabase_task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  container_definitions = jsonencode([
    {
      name      = "metabase"
      image     = var.metabase_image
      essential = true
      portMappings = [
        {
          name          = "http"
          containerPort = local.metabase_port
          protocol      = "tcp"
        }
      ]
      environment = [
        { name = "MB_DB_TYPE", value = "postgres" },
        { name = "MB_JETTY_PORT", value = tostring(local.metabase_port) },
        { name = "MB_SITE_URL", value = "https://${var.metabase_domain}" },
        { name = "JAVA_OPTS", value = "-XX:MaxRAMPercentage=75.0" },
      ]
      secrets = [
        { name = "MB_DB_CONNECTION_URI", valueFrom = var.metabase_database_uri_secret_arn },
      ]
      healthCheck = {
        command     = ["CMD-SHELL", "curl --fail --silent http://127.0.0.1:${local.metabase_port}/api/health || exit 1"]
        interval    = 30
        timeout     = 5
        retries     = 3
        startPeriod = 300
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.this["metabase"].name
          awslogs-region        = local.region
          awslogs-stream-prefix = "metabase"
        }
      }
    }
  ])
}

resource "aws_ecs_service" "shop" {
  name                              = "shop"
  cluster                           = aws_ecs_cluster.this.id
  task_definition                   = aws_ecs_task_definition.shop.arn
  desired_count                     = var.shop_desired_count
  launch_type                       = "FARGATE"
  platform_version                  = "LATEST"
  health_check_grace_period_seconds = 60
  propagate_tags                    = "SERVICE"
  enable_ecs_managed_tags           = true

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.shop.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.shop.arn
    container_name   = "shop"
    container_port   = local.shop_port
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  # The deploy (deploy/release.sh) rolls the service to a new task definition revision per
  # release, the image swapped for the commit's; Terraform's own revision (var.shop_image_tag)
  # only starts the service. Terraform's later changes to the task definition reach the service
  # with the next release, which copies the family's latest revision.
  lifecycle {
    ignore_changes = [task_definition]
  }

  depends_on = [aws_lb_listener_rule.shop]
}

resource "aws_ecs_service" "metabase" {
  name                              = "metabase"
  cluster                           = aws_ecs_cluster.this.id
  task_definition                   = aws_ecs_task_definition.metabase.arn
  desired_count                     = var.metabase_desired_count
  launch_type                       = "FARGATE"
  platform_version                  = "LATEST"
  health_check_grace_period_seconds = 600
  propagate_tags                    = "SERVICE"
  enable_ecs_managed_tags           = true

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.metabase.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.metabase.arn
    container_name   = "metabase"
    container_port   = local.metabase_port
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  depends_on = [aws_lb_listener_rule.metabase]
}

# --- Load balancer ------------------------------------------------------------

resource "aws_lb" "this" {
  #checkov:skip=CKV_AWS_150:Deletion protection is var.deletion_protection: on in prod, off in dev so that dev can be destroyed
  name                       = "${var.name}-alb"
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.alb.id]
  subnets                    = var.public_subnet_ids
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection

  access_logs {
    bucket  = var.alb_logs_bucket_name
    prefix  = "alb"
    enabled = true
  }
}

resource "aws_lb_target_group" "shop" {
  #checkov:skip=CKV_AWS_378:TLS ends at the load balancer; the tasks take HTTP in private subnets, reachable only from its security group.
  name                 = "${var.name}-shop"
  target_type          = "ip"
  protocol             = "HTTP"
  port                 = local.shop_port
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  health_check {
    path                = "/healthz"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_target_group" "metabase" {
  #checkov:skip=CKV_AWS_378:TLS ends at the load balancer; the tasks take HTTP in private subnets, reachable only from its security group.
  # Target group names are limited to 32 characters (name is up to 25).
  name                 = "${var.name}-mb"
  target_type          = "ip"
  protocol             = "HTTP"
  port                 = local.metabase_port
  vpc_id               = var.vpc_id
  deregistration_delay = 30

  health_check {
    path                = "/api/health"
    matcher             = "200"
    interval            = 30
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type = "fixed-response"

    fixed_response {
      content_type = "text/plain"
      message_body = "Not found"
      status_code  = "404"
    }
  }
}

resource "aws_lb_listener_rule" "shop" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 10

  condition {
    host_header {
      values = [var.shop_domain]
    }
  }

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.shop.arn
  }
}

resource "aws_lb_listener_rule" "metabase" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 20

  condition {
    host_header {
      values = [var.metabase_domain]
    }
  }

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.metabase.arn
  }
}

# --- WAF ----------------------------------------------------------------------

resource "aws_wafv2_web_acl" "this" {
  name        = "${var.name}-alb"
  description = "Shop and Metabase load balancer: rate limit, AWS common and known-bad-inputs rules"
  scope       = "REGIONAL"

  default_action {
    allow {}
  }

  rule {
    name     = "rate-limit-per-ip"
    priority = 0

    action {
      block {}
    }

    statement {
      rate_based_statement {
        limit                 = var.waf_rate_limit
        evaluation_window_sec = 300
        aggregate_key_type    = "IP"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-rate-limit-per-ip"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-common-rule-set"
    priority = 1

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesCommonRuleSet"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-aws-common-rule-set"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-known-bad-inputs-rule-set"
    priority = 2

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-aws-known-bad-inputs-rule-set"
      sampled_requests_enabled   = true
    }
  }

  # Tor and anonymising proxies are blocked; cloud hosting providers only counted, since
  # legitimate API clients may run there.
  rule {
    name     = "aws-anonymous-ip-list"
    priority = 3

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAnonymousIpList"

        rule_action_override {
          name = "HostingProviderIPList"

          action_to_use {
            count {}
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-aws-anonymous-ip-list"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "${var.name}-alb"
    sampled_requests_enabled   = true
  }
}

resource "aws_wafv2_web_acl_association" "alb" {
  resource_arn = aws_lb.this.arn
  web_acl_arn  = aws_wafv2_web_acl.this.arn
}

# Lets WAF's log delivery write to its log group (AWS would otherwise add a broader policy itself).
data "aws_iam_policy_document" "waf_logs" {
  statement {
    sid    = "WafLogDelivery"
    effect = "Allow"
    actions = [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
    ]
    resources = ["${local.log_group_arns.waf}:log-stream:*"]

    principals {
      type        = "Service"
      identifiers = ["delivery.logs.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:*"]
    }
  }
}

resource "aws_cloudwatch_log_resource_policy" "waf_logs" {
  policy_name     = "${var.name}-waf-logs"
  policy_document = data.aws_iam_policy_document.waf_logs.json
}

resource "aws_wafv2_web_acl_logging_configuration" "this" {
  resource_arn            = aws_wafv2_web_acl.this.arn
  log_destination_configs = [aws_cloudwatch_log_group.this["waf"].arn]

  depends_on = [aws_cloudwatch_log_resource_policy.waf_logs]
}
