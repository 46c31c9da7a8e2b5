#!/usr/bin/python3
"""Traffic tool for the edgefw end-to-end tests (standard library only).

Every network call has a timeout; every server has a lifetime.

Every client takes --sent FILE: it appends one line per flow it sent
packets on, "PROTO SRC SPORT DST DPORT FLAGS COUNT" (PROTO as edgefw's
network.transport: tcp, udp, icmp, ipv6-icmp; "-" for no ports / no TCP
flags; COUNT the packets it sent: datagrams, or the SYNs of a connection
attempt, retransmissions included, from TCP_INFO), so that the suite can
expect exactly one drop event per packet of a flow edgefw must drop.

  nettool.py serve --tcp PORT,... --udp ADDR:PORT,... [--log FILE] [--lifetime S]
      TCP echo on the wildcard address (IPv4 and IPv6) of each port, UDP echo
      bound to each given address (so the reply leaves from the address the
      datagram was sent to).  Every UDP datagram received is logged as
      "udp LOCAL_ADDR LOCAL_PORT PEER_ADDR PEER_PORT".
  nettool.py tcp ADDR PORT [--bind ADDR] [--sport N] [--timeout S] [--bytes N]
      connect, send a token (or N bytes, in full-size segments), expect it
      echoed.  Exit 0 ok, 2 timeout, 3 refused/reset, 1 other error.
  nettool.py udp ADDR PORT [--bind ADDR] [--sport N] [--timeout S] [--tries N]
                 [--size N]
      send a token (or one N-byte datagram: IP fragments above the MTU),
      expect it echoed.  Exit 0 ok, 2 no reply, 3 ICMP unreachable.
  nettool.py udpn ADDR PORT --count N [--bind ADDR] [--sport N] [--size N]
                  [--timeout S] [--blast]
      N datagrams from one socket (one flow).  Default: one at a time, each
      waiting for its echo, never resent (exact packet counts).  --blast:
      send all N (1 ms apart), then wait --timeout for any reply.  Prints
      "N sent, K echoed"; exit 0 all echoed, 2 none, 1 some.
  nettool.py tcpmany ADDR PORT --sports A-B [--bind ADDR] [--timeout S]
      one connection attempt from each source port A..B, all at once; after
      --timeout the attempts are closed (so no SYN is retransmitted).  Exit 0
      all connected, 2 none did (nothing came back), 1 some.
  nettool.py spoof --dst ADDR --dport P --sources A-B --count K [--pps R]
      K UDP datagrams from each IPv4 source address A..B (raw socket, any
      source; source ports 20000..20000+K-1), interleaved, at about R packets
      a second.  Nothing expected back.  A datagram whose send failed is not
      counted as sent.
  nettool.py synflood --dst ADDR --dport P --sources CIDR [--count N]
                      [--seconds S] [--pool K]
      a spoofed SYN flood: SYNs (MSS option, valid checksums) from K random
      addresses of CIDR (IPv4 or IPv6) and random ports, as fast as a raw
      socket goes, until N are sent or S seconds pass.  Nothing expected back.
  nettool.py rawtcp --src A --dst B --sport S --dport D [--flags A] [--wait S]
      send one hand-made TCP segment (e.g. an ACK without a SYN) from a raw
      socket, then watch for any answer (RST) from B:D to A:S for --wait
      seconds.  Exit 0 if an answer came (the segment got through), 2 if
      nothing came back.
  nettool.py icmperr --src A --dst B --type T [--code C] [--mtu M]
                     --qsrc X --qdst Y [--qproto tcp|udp] --qsport P --qdport Q
      send an ICMP/ICMPv6 error from A to B quoting a packet X:P -> Y:Q.
  nettool.py rawlisten --src A --type T [--wait S] [--ready FILE]
      wait for an ICMP/ICMPv6 message of type T from A.  Exit 0 when it
      arrives, 2 if it does not within S seconds.
"""
import argparse
import ipaddress
import os
import select
import socket
import struct
import sys
import threading
import time

# ---------------------------------------------------------------- helpers


def family_of(addr):
    return socket.AF_INET6 if ipaddress.ip_address(addr).version == 6 else socket.AF_INET


def token():
    return ("edgefw-e2e-%d-%s\n" % (os.getpid(), os.urandom(4).hex())).encode()


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipstr(a):
    return str(ipaddress.ip_address(a.split("%")[0]))


def record(args, proto, src, sport, dst, dport, count, flags="-"):
    """--sent FILE: one line per flow, the packets sent on it"""
    if not getattr(args, "sent", None) or not count:
        return
    with open(args.sent, "a") as f:
        f.write("%s %s %s %s %s %s %d\n" % (proto, ipstr(src), "-" if sport is None else sport,
                                           ipstr(dst), "-" if dport is None else dport, flags, count))


def syns_sent(s):
    """SYNs a connecting TCP socket sent: 1 + its retransmissions (TCP_INFO:
    tcpi_retransmits at byte 2, tcpi_total_retrans at byte 100)"""
    try:
        ti = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    except OSError:
        return 1
    return 1 + max(ti[2], struct.unpack_from("I", ti, 100)[0] if len(ti) >= 104 else 0)


TCP_FLAGS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10, "U": 0x20}

# ---------------------------------------------------------------- server


def serve(args):
    deadline = time.monotonic() + args.lifetime
    logf = open(args.log, "a", buffering=1) if args.log else None
    lock = threading.Lock()
    socks = {}

    def log(line):
        if logf:
            with lock:
                logf.write(line + "\n")

    for p in filter(None, (args.tcp or "").split(",")):
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", int(p)))
        s.listen(64)
        socks[s] = "tcp"
    for ap in filter(None, (args.udp or "").split(",")):
        addr, port = ap.rsplit(":", 1)
        addr = addr.strip("[]")
        s = socket.socket(family_of(addr), socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, int(port)))
        socks[s] = "udp"
    print("serving %d sockets" % len(socks), flush=True)
    if args.ready:
        open(args.ready, "w").close()

    def echo(c):
        c.settimeout(5)
        try:
            while True:
                d = c.recv(4096)
                if not d:
                    break
                c.sendall(d)
        except OSError:
            pass
        finally:
            c.close()

    while time.monotonic() < deadline:
        r, _, _ = select.select(list(socks), [], [], 0.5)
        for s in r:
            if socks[s] == "tcp":
                try:
                    c, _ = s.accept()
                except OSError:
                    continue
                threading.Thread(target=echo, args=(c,), daemon=True).start()
            else:
                try:
                    d, peer = s.recvfrom(65535)
                except OSError:
                    continue
                local = s.getsockname()
                log("udp %s %d %s %d" % (local[0], local[1], peer[0], peer[1]))
                try:
                    s.sendto(d, peer)
                except OSError:
                    pass
    return 0

# ---------------------------------------------------------------- clients


def bound_socket(kind, dst, bind, sport):
    fam = family_of(dst)
    s = socket.socket(fam, kind)
    if bind or sport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((bind or ("::" if fam == socket.AF_INET6 else "0.0.0.0"), sport or 0))
    return s


def tcp_client(args):
    s = bound_socket(socket.SOCK_STREAM, args.addr, args.bind, args.sport)
    s.settimeout(args.timeout)
    t = token()
    if args.bytes:  # bulk: full-size segments both ways
        t = (t * (args.bytes // len(t) + 1))[:args.bytes]
    sender = None
    try:
        s.connect((args.addr, args.port))
        local = s.getsockname()
        if args.bytes:
            sender = threading.Thread(target=lambda: s.sendall(t), daemon=True)
            sender.start()
        else:
            s.sendall(t)
        got = bytearray()
        while len(got) < len(t):
            d = s.recv(65536)
            if not d:
                break
            got += d
        got = bytes(got)
    except socket.timeout:
        print("tcp %s:%d: timeout after %.1fs" % (args.addr, args.port, args.timeout))
        return 2
    except (ConnectionRefusedError, ConnectionResetError) as e:
        print("tcp %s:%d: %s" % (args.addr, args.port, e))
        return 3
    except OSError as e:
        print("tcp %s:%d: %s" % (args.addr, args.port, e))
        return 1
    finally:
        try:
            loc = s.getsockname()
            if loc[1]:
                record(args, "tcp", loc[0], loc[1], args.addr, args.port, syns_sent(s), "S")
        except OSError:
            pass
        s.close()
    if got != t:
        print("tcp %s:%d: echo mismatch (%d of %d bytes back)" % (args.addr, args.port, len(got), len(t)))
        return 1
    print("tcp %s:%d from %s:%d: connected, %d bytes echoed" % (args.addr, args.port, local[0], local[1], len(t)))
    return 0


def received(s, wait):
    """(data, peer) of each datagram s receives within wait seconds"""
    end = time.monotonic() + wait
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return
        r, _, _ = select.select([s], [], [], left)
        if not r:
            return
        yield s.recvfrom(65535)


def udp_client(args):
    s = bound_socket(socket.SOCK_DGRAM, args.addr, args.bind, args.sport)
    t = token()
    if args.size:  # larger than the MTU: sent as IP fragments
        t = (t * (args.size // len(t) + 1))[:args.size]
    sent, local = 0, None
    try:
        # connected: the reply must come from ADDR:PORT, and it is ours even
        # when a server socket shares our local address and port
        s.connect((args.addr, args.port))
        local = s.getsockname()
        for _ in range(args.tries):
            sent += 1  # a local (TC egress) drop may fail the send: it was sent all the same
            s.send(t)
            try:
                for d, peer in received(s, args.timeout):
                    if d == t:
                        print("udp %s:%d from %s:%d: %d bytes echoed from %s:%d" %
                              (args.addr, args.port, local[0], local[1], len(t), peer[0], peer[1]))
                        return 0
            except ConnectionRefusedError:
                print("udp %s:%d: ICMP port unreachable" % (args.addr, args.port))
                return 3
    except OSError as e:
        print("udp %s:%d: %s" % (args.addr, args.port, e))
        return 1
    finally:
        if local:
            record(args, "udp", local[0], local[1], args.addr, args.port, sent)
        s.close()
    print("udp %s:%d: no reply (%d tries x %.1fs)" % (args.addr, args.port, args.tries, args.timeout))
    return 2


def readable(s, wait):
    """Each time s has something to read, within wait seconds (and, at the
    end, what is there already)"""
    end = time.monotonic() + wait
    while select.select([s], [], [], max(end - time.monotonic(), 0))[0]:
        yield


def udpn(args):
    s = bound_socket(socket.SOCK_DGRAM, args.addr, args.bind, args.sport)
    sent = echoed = 0
    local = ("?", 0)
    try:
        s.connect((args.addr, args.port))
        local = s.getsockname()
        for i in range(args.count):
            t = token()
            if args.size:
                t = (t * (args.size // len(t) + 1))[:args.size]
            sent += 1
            s.send(t)
            if args.blast:
                time.sleep(0.001)
                continue
            for _ in readable(s, args.timeout):
                try:
                    d = s.recv(65535)
                except ConnectionRefusedError:
                    print("udp %s:%d: ICMP port unreachable" % (args.addr, args.port))
                    return 1
                if d == t:
                    echoed += 1
                    break
        if args.blast:
            for _ in readable(s, args.timeout):
                try:
                    s.recv(65535)
                except ConnectionRefusedError:
                    pass
                echoed += 1
    except OSError as e:
        print("udp %s:%d: %s" % (args.addr, args.port, e))
        return 1
    finally:
        if local[1]:
            record(args, "udp", local[0], local[1], args.addr, args.port, sent)
        s.close()
    print("udp %s:%d from %s:%d: %d sent, %d echoed" % (args.addr, args.port, local[0], local[1], sent, echoed))
    return 0 if echoed == sent else 2 if echoed == 0 else 1


def tcpmany(args):
    lo, hi = (int(x) for x in args.sports.split("-"))
    socks = {}
    for sp in range(lo, hi + 1):
        s = bound_socket(socket.SOCK_STREAM, args.addr, args.bind, sp)
        s.setblocking(False)
        try:
            s.connect((args.addr, args.port))
        except BlockingIOError:
            pass
        socks[s] = sp
    ok, failed = [], []
    end = time.monotonic() + args.timeout
    pending = set(socks)
    while pending:
        left = end - time.monotonic()
        if left <= 0:
            break
        _, w, _ = select.select([], list(pending), [], left)
        for s in w:
            pending.discard(s)
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            (ok if err == 0 else failed).append((socks[s], err))
    for s in socks:
        try:
            loc = s.getsockname()
            record(args, "tcp", loc[0], loc[1], args.addr, args.port, syns_sent(s), "S")
        except OSError:
            pass
        s.close()
    print("tcp %s:%d from ports %d-%d: %d connected, %d refused/failed, %d no answer in %.1fs" %
          (args.addr, args.port, lo, hi, len(ok), len(failed), len(pending), args.timeout))
    return 0 if len(ok) == len(socks) else 2 if not ok and not failed else 1


def spoof(args):
    lo, hi = (ipaddress.IPv4Address(x) for x in args.sources.split("-"))
    srcs = [ipaddress.IPv4Address(a) for a in range(int(lo), int(hi) + 1)]
    dst = ipaddress.IPv4Address(args.dst)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    # without it a datagram dropped on the way out (ENOBUFS) looks sent
    s.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_RECVERR", 11), 1)
    payload = b"edgefw-e2e-flood"
    n = errors = 0
    sent = []
    gap = 1.0 / args.pps if args.pps else 0
    start = time.monotonic()
    for k in range(args.count):
        for i, a in enumerate(srcs):
            udp = struct.pack("!HHHH", 20000 + k, args.dport, 8 + len(payload), 0) + payload
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64,
                             socket.IPPROTO_UDP, 0, a.packed, dst.packed)
            try:
                s.sendto(ip + udp, (args.dst, 0))
                sent.append((a, 20000 + k))
            except OSError:  # dropped on the way out (a full queue): not sent
                errors += 1
            n += 1
            if gap and n % 20 == 0:  # paced in small batches
                delay = start + n * gap - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
    print("sent %d UDP datagrams to %s:%d from %d sources (%s-%s) in %.2fs, %d send errors" %
          (len(sent), args.dst, args.dport, len(srcs), lo, hi, time.monotonic() - start, errors))
    if args.sent:
        with open(args.sent, "a") as f:
            f.writelines("udp %s %d %s %d - 1\n" % (a, sp, dst, args.dport) for a, sp in sent)
    return 0

# ---------------------------------------------------------------- SYN flood


def synflood(args):
    import random
    net = ipaddress.ip_network(args.sources, strict=False)
    dst = ipaddress.ip_address(args.dst)
    if net.version != dst.version:
        print("--sources and --dst are of different families")
        return 1
    rnd = random.Random(0xef1)
    pkts = []
    for _ in range(args.pool):
        src = net[rnd.randrange(1, net.num_addresses - 1)] if net.num_addresses > 2 else net[0]
        sport = rnd.randrange(1024, 65535)
        seq = rnd.getrandbits(32)
        # SYN with an MSS option (24 bytes of TCP header)
        tcp = struct.pack("!HHIIBBHHH", sport, args.dport, seq, 0, 6 << 4, 0x02, 64240, 0, 0) + \
            struct.pack("!BBH", 2, 4, 1460)
        if dst.version == 4:
            pseudo = src.packed + dst.packed + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
        else:
            pseudo = src.packed + dst.packed + struct.pack("!I3xB", len(tcp), socket.IPPROTO_TCP)
        tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
        if dst.version == 4:
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64,
                             socket.IPPROTO_TCP, 0, src.packed, dst.packed)
        else:
            ip = struct.pack("!IHBB16s16s", 6 << 28, len(tcp), socket.IPPROTO_TCP, 64,
                             src.packed, dst.packed)
        pkts.append(ip + tcp)
    fam = socket.AF_INET if dst.version == 4 else socket.AF_INET6
    s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_RAW)
    if fam == socket.AF_INET:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    target = (args.dst, 0)
    n, errors = 0, 0
    start = time.monotonic()
    end = start + args.seconds
    k = len(pkts)
    while n < args.count:
        try:
            s.sendto(pkts[n % k], target)
        except OSError:  # a full queue: count it, go on
            errors += 1
        n += 1
        if n % 1024 == 0 and time.monotonic() >= end:
            break
    took = time.monotonic() - start
    print("sent %d SYNs to %s:%d from %d addresses of %s in %.2fs (%.0f/s), %d send errors" %
          (n - errors, args.dst, args.dport, k, net, took, (n - errors) / took if took else 0, errors))
    return 0

# ---------------------------------------------------------------- raw TCP


def raw_received(s, wait, peer_addr):
    """What the raw socket s receives from peer_addr within wait seconds:
    (payload without the IPv4 header, peer)"""
    for d, peer in received(s, wait):
        if ipaddress.ip_address(peer[0].split("%")[0]) != peer_addr:
            continue
        if s.family == socket.AF_INET:  # IPv4 raw sockets deliver the IP header
            d = d[(d[0] & 0x0F) * 4:]
        yield d, peer


def rawtcp(args):
    fam = family_of(args.dst)
    src = ipaddress.ip_address(args.src)
    dst = ipaddress.ip_address(args.dst)
    flags = 0
    for ch in args.flags:
        flags |= TCP_FLAGS[ch]
    seq, ack = 0x1000, 0x2000 if flags & TCP_FLAGS["A"] else 0
    hdr = struct.pack("!HHIIBBHHH", args.sport, args.dport, seq, ack, 5 << 4, flags, 64240, 0, 0)
    if fam == socket.AF_INET:
        pseudo = src.packed + dst.packed + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(hdr))
    else:
        pseudo = src.packed + dst.packed + struct.pack("!I3xB", len(hdr), socket.IPPROTO_TCP)
    csum = checksum(pseudo + hdr)
    seg = hdr[:16] + struct.pack("!H", csum) + hdr[18:]

    s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_TCP)
    s.bind((args.src, 0))
    s.sendto(seg, (args.dst, 0))
    record(args, "tcp", args.src, args.sport, args.dst, args.dport, 1,
           "".join(c for c in "FSRPAU" if c in args.flags))
    print("sent TCP [%s] %s:%d -> %s:%d" % (args.flags, args.src, args.sport, args.dst, args.dport))
    for d, peer in raw_received(s, args.wait, dst):
        if len(d) < 20:
            continue
        sp, dp, _, _, _, fl = struct.unpack("!HHIIBB", d[:14])
        if sp == args.dport and dp == args.sport:
            print("answer from %s:%d flags 0x%02x: the segment got through" % (peer[0], sp, fl))
            return 0
    print("no answer within %.1fs" % args.wait)
    return 2

# ---------------------------------------------------------------- ICMP


def icmperr(args):
    """An ICMP error from SRC to DST quoting a packet QSRC:QSPORT -> QDST:QDPORT
    (the quoted packet is one DST would have sent)."""
    fam = family_of(args.dst)
    qs, qd = ipaddress.ip_address(args.qsrc), ipaddress.ip_address(args.qdst)
    proto = {"tcp": socket.IPPROTO_TCP, "udp": socket.IPPROTO_UDP}[args.qproto]
    l4 = struct.pack("!HHI", args.qsport, args.qdport, 0x12345678)
    if fam == socket.AF_INET:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 1500, 0x1234, 0x4000, 64, proto, 0, qs.packed, qd.packed)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        rest = struct.pack("!HH", 0, args.mtu) if args.type == 3 and args.code == 4 else b"\0" * 4
        msg = struct.pack("!BBH", args.type, args.code, 0) + rest + ip + l4
        msg = msg[:2] + struct.pack("!H", checksum(msg)) + msg[4:]
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    else:
        ip = struct.pack("!IHBB16s16s", 6 << 28, 1460, proto, 64, qs.packed, qd.packed)
        rest = struct.pack("!I", args.mtu) if args.type == 2 else b"\0" * 4
        # the kernel fills in the ICMPv6 checksum of raw ICMPv6 sockets
        msg = struct.pack("!BBH", args.type, args.code, 0) + rest + ip + l4
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.bind((args.src, 0))
    s.sendto(msg, (args.dst, 0))
    record(args, "icmp" if fam == socket.AF_INET else "ipv6-icmp", args.src, None, args.dst, None, 1)
    print("sent ICMP%s type %d code %d %s -> %s quoting %s %s:%d -> %s:%d" %
          ("" if fam == socket.AF_INET else "v6", args.type, args.code, args.src, args.dst,
           args.qproto, args.qsrc, args.qsport, args.qdst, args.qdport))
    return 0


def rawlisten(args):
    """Wait for an ICMP(v6) message of TYPE from FROM; exit 0 when it arrives.
    Touches --ready once listening."""
    fam = family_of(args.src)
    if fam == socket.AF_INET:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    else:
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    if args.ready:
        open(args.ready, "w").close()
    for d, peer in raw_received(s, args.wait, ipaddress.ip_address(args.src)):
        if d and d[0] == args.type:
            print("received ICMP type %d code %d from %s" % (d[0], d[1], peer[0]))
            return 0
    print("no ICMP type %d from %s within %.1fs" % (args.type, args.src, args.wait))
    return 2

# ---------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def sender(name, *addrs):  # a command that records what it sent (--sent); the addresses it needs
        p = sub.add_parser(name)
        p.add_argument("--sent", help="append the flows sent and their packet counts to this file")
        for a in addrs:
            p.add_argument(a, required=True)
        return p

    p = sub.add_parser("serve")
    p.add_argument("--tcp")
    p.add_argument("--udp")
    p.add_argument("--log")
    p.add_argument("--ready")
    p.add_argument("--lifetime", type=float, default=300)
    for name in ("tcp", "udp"):
        p = sub.add_parser(name)
        p.add_argument("addr")
        p.add_argument("port", type=int)
        p.add_argument("--bind")
        p.add_argument("--sport", type=int)
        p.add_argument("--timeout", type=float, default=2.0)
        p.add_argument("--tries", type=int, default=1)
        p.add_argument("--bytes" if name == "tcp" else "--size", type=int, default=0)
        p.add_argument("--sent")
    p = sender("udpn")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--bind")
    p.add_argument("--sport", type=int)
    p.add_argument("--size", type=int, default=0)
    p.add_argument("--timeout", type=float, default=1.0)
    p.add_argument("--blast", action="store_true")
    p = sender("tcpmany")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--sports", required=True)
    p.add_argument("--bind")
    p.add_argument("--timeout", type=float, default=0.5)
    p = sender("spoof", "--dst")
    p.add_argument("--dport", type=int, required=True)
    p.add_argument("--sources", required=True)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--pps", type=float, default=0)
    p = sub.add_parser("synflood")
    p.add_argument("--dst", required=True)
    p.add_argument("--dport", type=int, required=True)
    p.add_argument("--sources", required=True)
    p.add_argument("--count", type=int, default=100000)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--pool", type=int, default=4096)
    p = sender("rawtcp", "--src", "--dst")
    p.add_argument("--sport", type=int, required=True)
    p.add_argument("--dport", type=int, required=True)
    p.add_argument("--flags", default="A")
    p.add_argument("--wait", type=float, default=1.5)
    p = sender("icmperr", "--src", "--dst")
    p.add_argument("--type", type=int, required=True)
    p.add_argument("--code", type=int, default=0)
    p.add_argument("--mtu", type=int, default=1280)
    p.add_argument("--qsrc", required=True)
    p.add_argument("--qdst", required=True)
    p.add_argument("--qproto", default="tcp")
    p.add_argument("--qsport", type=int, required=True)
    p.add_argument("--qdport", type=int, required=True)
    p = sub.add_parser("rawlisten")
    p.add_argument("--src", required=True, help="the sender to wait for")
    p.add_argument("--type", type=int, required=True)
    p.add_argument("--wait", type=float, default=3.0)
    p.add_argument("--ready")
    a = ap.parse_args()
    fn = {"serve": serve, "tcp": tcp_client, "udp": udp_client, "udpn": udpn, "tcpmany": tcpmany,
          "spoof": spoof, "synflood": synflood, "rawtcp": rawtcp,
          "icmperr": icmperr, "rawlisten": rawlisten}[a.cmd]
    sys.exit(fn(a))


if __name__ == "__main__":
    main()
