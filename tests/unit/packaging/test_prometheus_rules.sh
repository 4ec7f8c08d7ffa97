#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The shipped Prometheus alerting rules: promtool check rules (syntax,
# PromQL, templates), then promtool test rules (prometheus_rules_test.yml:
# each alert fires on series shaped like mcvpnd's, and only then).
#
#   test_prometheus_rules.sh SOURCE_ROOT
#
# Skipped (exit 77) without promtool (Debian: prometheus; tests/deps.sh
# installs it).
set -u

src=${1:?usage: test_prometheus_rules.sh SOURCE_ROOT}
rules=$src/packaging/prometheus/mcvpn-rules.yml
tests=$src/tests/unit/packaging/prometheus_rules_test.yml

if ! command -v promtool >/dev/null 2>&1; then
	echo "promtool is not installed (Debian: prometheus): skipped"
	exit 77
fi
promtool check rules "$rules" || { echo "FAIL: promtool check rules $rules"; exit 1; }
# rule_files: in the test file are relative to it
(cd "$(dirname "$tests")" && promtool test rules "$(basename "$tests")") ||
	{ echo "FAIL: promtool test rules $tests"; exit 1; }
echo "the Prometheus rules pass promtool check rules and test rules"
