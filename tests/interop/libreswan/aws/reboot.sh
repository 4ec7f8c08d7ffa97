#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The AWS VM's @reboot script: it set up vti1 once libreswan had made it.
sleep 30
sudo ip addr add 192.168.2.1/30 dev vti1
sudo ip route add 10.105.0.0/16 nexthop dev vti1
sudo ip route add 10.106.0.0/16 nexthop dev vti1
