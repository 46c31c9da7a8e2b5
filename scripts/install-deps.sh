#!/bin/sh
# Install what edgefw needs to build, run, test and benchmark on Debian 12 (as
# root).  Idempotent.  mmdebstrap and systemd-container (systemd-nspawn) are
# for `make check-systemd` (tests/systemd/run.sh); `make lint` uses clang-format,
# cppcheck and shellcheck; the capture tests read its files with tcpdump and
# tshark.  The last line is for
# `make bench` (bench/README.md): the baselines (nftables, iptables + ipset,
# xdp-filter), iperf3, ethtool.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends \
	make gcc clang llvm libc6-dev pkg-config \
	libbpf-dev bpftool libelf-dev zlib1g-dev libjson-c-dev libcmocka-dev \
	iproute2 python3 python3-jsonschema python3-prometheus-client ncat dnsmasq-base bind9-dnsutils iputils-ping procps \
	man-db groff-base systemd \
	build-essential dpkg-dev debhelper lintian jq ansible-core python3-apt util-linux \
	mmdebstrap systemd-container \
	clang-format cppcheck shellcheck \
	tcpdump tshark \
	nftables iptables ipset iperf3 xdp-tools ethtool
