#!/bin/sh
sleep 30
sudo ip addr add 192.168.2.2/30 dev vti1
sudo ip route add 10.2.0.0/16 nexthop dev vti1
sudo ip route add 10.3.0.0/16 nexthop dev vti1
