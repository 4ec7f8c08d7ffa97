#!/bin/sh
# run from root's crontab: @reboot /root/ipsec-routes.sh
sleep 30
ip link set vti1 up; ip link set vti2 up
sudo ip addr add 192.168.2.1/30 dev vti1
sudo ip route add 10.105.0.0/16 nexthop dev vti1
sudo ip route add 10.106.0.0/16 nexthop dev vti1
sudo /sbin/ip address add 192.168.3.1/30 dev vti2 && sudo ip -4 route add 10.107.0.0/16 dev vti2 metric 100
sysctl -w net.ipv4.conf.vti2.disable_policy=1
ip route add 10.107.0.0/16 dev vti2
iptables -t mangle -A FORWARD -o vti1 -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu
