#!/usr/bin/env bats
# install.bats — `make install` lays out a package tree (binary, the whole
# data/ tree, man pages) whose binary finds its data with no flag and no
# OFFSWITCH_DATA, and `make uninstall` takes it all away again. Each test works
# on a copy of the source tree and of build/ (only the catalog, which holds the
# compiled-in data path, is recompiled for another PREFIX).

load helpers

COMMANDS=(plan run report replay rescore export judge import merge mock audit proxy scan worker status stop harness)

setup() {
	command -v make >/dev/null || skip "make not installed"
	SRC=$BATS_TEST_TMPDIR/src
	mkdir -p "$SRC"
	tar -C "$ROOT" --exclude=./.git --exclude='./build*' --exclude=./results --exclude=./node_modules -cf - . |
		tar -C "$SRC" -xf -
	[ -x "$ROOT/build/offswitch" ] && cp -a "$ROOT/build" "$SRC/build"
	EXPECT=$("$OFFSWITCH" plan --model scripted/honest --count)
}

# Run a command with no OFFSWITCH_DATA, from a directory holding no data/.
bare() {
	(cd "$BATS_TEST_TMPDIR" && env -u OFFSWITCH_DATA "$@")
}

@test "make install DESTDIR=... PREFIX=/usr: binary, data, man pages; the binary finds its data" {
	dest=$BATS_TEST_TMPDIR/root
	run make -s -C "$SRC" -j2 install PREFIX=/usr DESTDIR="$dest"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -x "$dest/usr/bin/offswitch" ]
	# The whole data tree, file for file.
	diff -r "$ROOT/data" "$dest/usr/share/offswitch"
	for c in "" "${COMMANDS[@]/#/-}"; do
		page="$dest/usr/share/man/man1/offswitch$c.1"
		[ -s "$page" ] || { echo "missing $page"; false; }
		grep -q '^\.SH NAME' "$page"
		if command -v man >/dev/null; then
			run man -l "$page"
			[ "$status" -eq 0 ] && [[ "$output" == *offswitch* ]]
		fi
	done
	# No source tree to fall back on: the data comes from ../share/offswitch.
	rm -rf "$SRC"
	run bare "$dest/usr/bin/offswitch" plan --model scripted/honest --count
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$output" = "$EXPECT" ]
	run bare "$dest/usr/bin/offswitch" report --help
	[ "$status" -eq 0 ]
}

@test "an installed binary moved away from its tree finds the data path compiled in from PREFIX" {
	prefix=$BATS_TEST_TMPDIR/prefix
	run make -s -C "$SRC" -j2 install PREFIX="$prefix"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	mkdir -p "$BATS_TEST_TMPDIR/elsewhere"
	cp "$prefix/bin/offswitch" "$BATS_TEST_TMPDIR/elsewhere/offswitch"
	rm -rf "$SRC"
	run bare "$BATS_TEST_TMPDIR/elsewhere/offswitch" plan --model scripted/honest --count
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$output" = "$EXPECT" ]
}

@test "make uninstall removes what make install put there" {
	dest=$BATS_TEST_TMPDIR/root
	run make -s -C "$SRC" -j2 install PREFIX=/usr DESTDIR="$dest"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run make -s -C "$SRC" uninstall PREFIX=/usr DESTDIR="$dest"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run find "$dest" -type f
	[ "$output" = "" ]
}
