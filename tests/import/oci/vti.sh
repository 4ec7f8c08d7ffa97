#!/bin/bash
# bring up the tunnel to AWS after libreswan started
sleep 30
ip link set vti1 up
ip link set dev vti1 mtu 1400
ip a add 192.168.2.2/30 dev vti1
ip r add 10.2.0.0/16 dev vti1
ip route add 10.3.0.0/16 dev vti1   # AWS VPC
# the OCI side's own network, not the tunnel
ip route add 10.50.0.0/16 via 10.106.1.1 dev ens3
