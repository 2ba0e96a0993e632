# tests/tcp_stream.sh - helpers of the tshark TCP tests (tcp_wireshark.sh,
# tso_wireshark.sh), sourced after tests/lib.sh: the SHA-256 of the byte
# stream tshark reassembles from a capture, the SHA-256 of the pattern
# bulk_send writes, and one figure of a metrics file.

# stream_hash PCAP: SHA-256 of the client's reassembled byte stream.
stream_hash() {
	"$TSHARK" -r "$1" -q -z follow,tcp,raw,0 2>/dev/null |
		python3 -c '
import sys, hashlib
h = hashlib.sha256(); body = False
for line in sys.stdin:
    if line.startswith("====="):
        body = not body if line.strip("=\n") == "" else body
        continue
    if not body or line.startswith(("Follow:", "Filter:", "Node ")) or line.startswith("\t"):
        continue
    h.update(bytes.fromhex(line.strip()))
print(h.hexdigest())'
}

# pattern_hash N: SHA-256 of the first N bytes bulk_send writes.
pattern_hash() {
	python3 -c "
import hashlib
n = $1; block = bytes(i % 251 for i in range(251)) * (65536 // 251 + 2)
h = hashlib.sha256(); off = 0
while off < n:
    k = min(65536, n - off); s = off % 251
    h.update(block[s:s + k]); off += k
print(h.hexdigest())"
}

# figure METRICS KEY: the value of KEY in a metrics file.
figure() { sed -n "s/^$2 //p" "$1"; }
