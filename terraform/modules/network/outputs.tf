output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "IPv4 CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "private_subnet_ids" {
  description = "IDs of the private subnets, one per availability zone, in the order of var.availability_zones."
  value       = [for az in var.availability_zones : aws_subnet.private[az].id]
}

output "public_subnet_ids" {
  description = "IDs of the public subnets (NAT gateways and the load balancer only), in the order of var.availability_zones."
  value       = [for az in var.availability_zones : aws_subnet.public[az].id]
}

output "private_route_table_ids" {
  description = "IDs of the private route tables, one per availability zone, in the order of var.availability_zones."
  value       = [for az in var.availability_zones : aws_route_table.private[az].id]
}

output "s3_prefix_list_id" {
  description = "Prefix list ID of the S3 gateway endpoint, for security group egress rules to S3."
  value       = aws_vpc_endpoint.s3.prefix_list_id
}

output "endpoints_security_group_id" {
  description = "ID of the security group of the interface VPC endpoints (HTTPS from the VPC CIDR)."
  value       = aws_security_group.endpoints.id
}
