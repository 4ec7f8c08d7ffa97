#!/bin/sh
# what the operator added once the tunnels were up
ip route add 10.105.0.0/16 dev Tunnel1 metric 100
ip route add 10.105.0.0/16 dev Tunnel2 metric 200
