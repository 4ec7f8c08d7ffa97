#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The OCI VM's boot script: it set up vti1 once libreswan had made it.
sleep 30
ip link set vti1 up
ip addr add 192.168.2.2/30 dev vti1
ip route add 10.2.0.0/16 dev vti1
ip route add 10.3.0.0/16 dev vti1
