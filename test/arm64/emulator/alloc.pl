# Run by test/arm64/emulator-suite.sh with Debian 12's amd64 perl under each
# emulator: four 16 MiB strings (glibc's malloc serves each with its own mmap,
# no hint) and one "addr=0x..." line per block (the string buffer's address);
# the "sum=" and "perl=" lines are deterministic.
use strict;
use warnings;
my @b;
for my $i (1 .. 4) {
	push @b, chr(64 + $i) x (16 << 20);
	printf "addr=0x%x kind=perl size=%d\n", unpack("J", pack("p", $b[-1])), 16 << 20;
}
my $sum = 0;
$sum += length($_) for @b;
print "sum=$sum first=", join(",", map { substr($_, 0, 1) . substr($_, -1) } @b), "\n";
printf "perl=%vd\n", $^V;
