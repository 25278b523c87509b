# Site-to-site VPN between the vcc controller's network and a new AWS VPC
# (the seed manual's section 3.5), written for vcc. It makes the VPC, a
# private subnet, a security group, the VPN gateway, the customer gateway
# (the controller side) and the VPN connection, and outputs the values of
# a vpn_catalog.yml entry:
#
#   terraform init && terraform apply -var controller_public_ip=203.0.113.10
#   terraform output -json > out.json
#   vcc-host catalog from-terraform out.json >> config/vpn_catalog.yml

terraform {
  required_version = ">= 1.3"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

variable "region" {
  description = "AWS region of the VPC"
  type        = string
  default     = "ap-northeast-1"
}

variable "availability_zone" {
  description = "zone of the private subnet"
  type        = string
  default     = "ap-northeast-1a"
}

variable "vpc_cidr" {
  description = "address range of the new VPC"
  type        = string
  default     = "172.30.0.0/16"
}

variable "subnet_cidr" {
  description = "private subnet where vcc nodes get their addresses"
  type        = string
  default     = "172.30.2.0/24"
}

variable "controller_public_ip" {
  description = "public IPv4 address of the controller side of the VPN (the customer gateway)"
  type        = string
}

variable "controller_cidr" {
  description = "private network of the controller, routed through the VPN"
  type        = string
  default     = "10.0.2.0/24"
}

variable "name" {
  description = "name prefix of everything created"
  type        = string
  default     = "vcc"
}

provider "aws" {
  region = var.region
}

resource "aws_vpc" "vcc" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = { Name = "${var.name}-vpc" }
}

resource "aws_subnet" "private" {
  vpc_id            = aws_vpc.vcc.id
  cidr_block        = var.subnet_cidr
  availability_zone = var.availability_zone
  tags              = { Name = "${var.name}-private" }
}

resource "aws_security_group" "nodes" {
  name        = "${var.name}-nodes"
  description = "vcc nodes: everything from the VPC and the controller's network"
  vpc_id      = aws_vpc.vcc.id

  ingress {
    description = "all from the VPC and the controller side"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = [var.vpc_cidr, var.controller_cidr]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_vpn_gateway" "vgw" {
  vpc_id = aws_vpc.vcc.id
  tags   = { Name = "${var.name}-vgw" }
}

resource "aws_customer_gateway" "controller" {
  bgp_asn    = 65000
  ip_address = var.controller_public_ip
  type       = "ipsec.1"
  tags       = { Name = "${var.name}-controller" }
}

resource "aws_vpn_connection" "vpn" {
  vpn_gateway_id      = aws_vpn_gateway.vgw.id
  customer_gateway_id = aws_customer_gateway.controller.id
  type                = "ipsec.1"
  static_routes_only  = true
  tags                = { Name = "${var.name}-vpn" }
}

resource "aws_vpn_connection_route" "controller" {
  destination_cidr_block = var.controller_cidr
  vpn_connection_id      = aws_vpn_connection.vpn.id
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.vcc.id
  tags   = { Name = "${var.name}-private" }
}

resource "aws_vpn_gateway_route_propagation" "private" {
  vpn_gateway_id = aws_vpn_gateway.vgw.id
  route_table_id = aws_route_table.private.id
}

resource "aws_route_table_association" "private" {
  subnet_id      = aws_subnet.private.id
  route_table_id = aws_route_table.private.id
}

# The catalog entry's values (see vcc-host catalog from-terraform).
output "aws_region" {
  value = var.region
}

output "aws_availability_zone" {
  value = aws_subnet.private.availability_zone
}

output "aws_vpc_subnet_id" {
  value = aws_subnet.private.id
}

output "aws_vpc_security_group_id" {
  value = aws_security_group.nodes.id
}

output "private_network_ipmask" {
  value = var.subnet_cidr
}

# The values the Libreswan template (libreswan/vcc-aws.conf.tmpl) needs.
output "tunnel1_address" {
  value = aws_vpn_connection.vpn.tunnel1_address
}

output "tunnel2_address" {
  value = aws_vpn_connection.vpn.tunnel2_address
}

output "tunnel1_preshared_key" {
  value     = aws_vpn_connection.vpn.tunnel1_preshared_key
  sensitive = true
}

output "tunnel2_preshared_key" {
  value     = aws_vpn_connection.vpn.tunnel2_preshared_key
  sensitive = true
}
