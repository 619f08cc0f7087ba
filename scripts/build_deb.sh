#!/usr/bin/env bash
# Builds streamlstmd_<version>_<arch>.deb from an already built binary with
# Debian's own tools: dpkg-shlibdeps computes Depends:, dpkg-deb assembles the
# package, lintian checks it. No Swift toolchain is needed here; the binary is
# expected to be a release build with the Swift runtime linked statically
# (--static-swift-stdlib), so it runs where no toolchain is installed.
#
#   scripts/build_deb.sh BINARY VERSION [OUTDIR]
#
# Environment:
#   GENERATE_MANUAL=path   swift-argument-parser's generate-manual tool; it runs
#                          BINARY --experimental-dump-help and writes mdoc pages
#                          (one per subcommand, section 8). Without it the
#                          package has no manual (and lintian says so) unless
#                          MANUAL_DIR is given.
#   MANUAL_DIR=dir         already generated pages (*.8) to ship instead.
#   MANUAL_SECTIONS=file   hand-written mdoc sections (service, signals, files,
#                          ports, alerts, exit status) put into streamlstmd.8 in
#                          place of the generated EXIT STATUS.
#   ALLOW_UNPACKAGED_LIBS=1  let dpkg-shlibdeps skip libraries no Debian
#                          package owns (the toolchain's Swift .so files of a
#                          dynamically linked trial binary). Never for a
#                          release: such a package would not start elsewhere.
#   LINTIAN=0              skip lintian.
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 BINARY VERSION [OUTDIR]" >&2
    exit 2
fi
binary=$(readlink -f "$1")
version=$2
outdir=$(readlink -f "${3:-.}")
repo=$(cd "$(dirname "$0")/.." && pwd)
debdir=$repo/deploy/debian

for tool in dpkg-deb dpkg-shlibdeps dpkg-parsechangelog; do
    command -v "$tool" >/dev/null || { echo "build_deb: $tool is missing (apt-get install dpkg-dev)" >&2; exit 1; }
done
[ -x "$binary" ] || { echo "build_deb: $binary is not an executable" >&2; exit 1; }

# The changelog is the package's history: its newest entry must describe this
# version. A snapshot may add a suffix (0.1.0+git..., 0.1.0~rc1) to it.
changelog_version=$(dpkg-parsechangelog -l "$debdir/changelog" -S Version)
case "$version" in
"$changelog_version" | "$changelog_version"+* | "$changelog_version"~*) ;;
*)
    echo "build_deb: version $version does not match deploy/debian/changelog ($changelog_version); add an entry" >&2
    exit 1
    ;;
esac
maintainer=$(dpkg-parsechangelog -l "$debdir/changelog" -S Maintainer)
# Every timestamp in the package (file times, manual dates) is the changelog's,
# so that the same inputs give the same .deb (reproducible builds).
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(dpkg-parsechangelog -l "$debdir/changelog" -S Timestamp)}
export SOURCE_DATE_EPOCH

# Debian's name for the binary's CPU, read from the ELF header rather than
# from this machine, so a cross-built binary is labelled by what it is.
machine=$(LC_ALL=C readelf -h "$binary" | sed -n 's/^ *Machine: *//p')
case "$machine" in
*X86-64*) arch=amd64 ;;
*AArch64*) arch=arm64 ;;
*) echo "build_deb: no Debian architecture known for '$machine'" >&2; exit 1 ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The tree is staged where dpkg-shlibdeps expects a package's files
# (debian/<package>/ of a source tree), so it can tell the package's own
# libraries from others.
root=$work/src/debian/streamlstmd
umask 022

# --- the files -------------------------------------------------------------
# Stripped: Debian ships debug information separately (a -dbgsym package), and
# lintian flags unstripped binaries. strip keeps the allocated sections Swift's
# runtime needs (type metadata, reflection); only symbols and DWARF go.
install -D -m 0755 "$binary" "$root/usr/bin/streamlstmd"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/streamlstmd"
# SwiftPM records the toolchain's library directory (and $ORIGIN) as RUNPATH.
# A binary with the Swift runtime linked statically takes nothing from there,
# and a search path outside the system's is a lintian error
# (custom-library-search-path), so it goes; ldd then proves every library is
# found the system's way. A dynamically linked trial binary keeps it.
runpath=$(LC_ALL=C readelf -d "$root/usr/bin/streamlstmd" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
if [ -n "$runpath" ] && [ "${ALLOW_UNPACKAGED_LIBS:-0}" != 1 ]; then
    command -v patchelf >/dev/null || { echo "build_deb: RUNPATH $runpath must go: apt-get install patchelf" >&2; exit 1; }
    patchelf --remove-rpath "$root/usr/bin/streamlstmd"
    if ldd "$root/usr/bin/streamlstmd" | grep -q 'not found'; then
        ldd "$root/usr/bin/streamlstmd" | grep 'not found' >&2
        echo "build_deb: without RUNPATH $runpath these libraries are missing: is the Swift runtime linked statically (--static-swift-stdlib)?" >&2
        exit 1
    fi
fi

# The units as in deploy/, naming the binary where a package puts it. The
# units' own directory on Debian 12 is /lib/systemd/system; systemd reads
# /usr/lib/systemd/system too, and that is where packages move after the /usr
# merge, so this new package starts there.
for unit in streamlstmd.service streamlstmd@.service; do
    install -d "$root/usr/lib/systemd/system"
    sed -e 's#/usr/local/bin/streamlstmd#/usr/bin/streamlstmd#g' "$repo/deploy/$unit" \
        > "$root/usr/lib/systemd/system/$unit"
    chmod 0644 "$root/usr/lib/systemd/system/$unit"
done

# The example configuration is a conffile (listed in DEBIAN/conffiles below):
# dpkg keeps the admin's edits on upgrade and asks before replacing them.
install -D -m 0644 "$repo/deploy/streamlstmd.yaml" "$root/etc/streamlstmd/streamlstmd.yaml"

# Manual pages. generate-manual writes one page per (sub)command; the
# daemon is a system administration command, hence section 8.
mandir=$root/usr/share/man/man8
install -d "$mandir"
if [ -n "${MANUAL_DIR:-}" ]; then
    cp "$MANUAL_DIR"/*.8 "$mandir/"
elif [ -n "${GENERATE_MANUAL:-}" ]; then
    "$GENERATE_MANUAL" "$root/usr/bin/streamlstmd" --multi-page --section 8 \
        --date "$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)" \
        --authors "$maintainer" --output-directory "$mandir"
else
    echo "build_deb: warning: no GENERATE_MANUAL or MANUAL_DIR: the package has no manual" >&2
fi
if [ -n "${MANUAL_SECTIONS:-}" ]; then
    [ -f "$mandir/streamlstmd.8" ] || { echo "build_deb: no streamlstmd.8 to put $MANUAL_SECTIONS into" >&2; exit 1; }
    # The generated EXIT STATUS says only "0 on success, >0 on error"; the
    # hand-written sections replace it with the codes, and come where a reader
    # of a daemon's page looks for them (before SEE ALSO).
    awk -v sections="$MANUAL_SECTIONS" '
        /^\.Sh "EXIT STATUS"/ { while ((getline line < sections) > 0) print line; skipping = 1; next }
        skipping && /^\.Sh / { skipping = 0 }
        !skipping { print }
    ' "$mandir/streamlstmd.8" > "$work/streamlstmd.8"
    grep -q '^\.Sh SIGNALS' "$work/streamlstmd.8" || { echo "build_deb: the manual sections were not put in" >&2; exit 1; }
    install -m 0644 "$work/streamlstmd.8" "$mandir/streamlstmd.8"
fi
# generate-manual names a subcommand's page "streamlstmd alerts" (two words) in
# NAME, which man-db's lexgrog cannot index (lintian: bad-whatis-entry), so
# `man -k` and `whatis` would not find it. NAME gets the page's own name
# (streamlstmd.alerts); the synopsis keeps the command as it is typed.
for page in "$mandir"/streamlstmd.*.8; do
    [ -e "$page" ] || continue
    awk '
        /^\.Sh / { section = $2 }
        section == "NAME" && /^\.Nm "/ {
            name = $0; sub(/^\.Nm "/, "", name); sub(/"$/, "", name)
            dotted = name; gsub(/ /, ".", dotted)
            print ".Nm " dotted; next
        }
        section == "SYNOPSIS" && /^\.Nm$/ && name != "" { print ".Nm \"" name "\""; next }
        { print }
    ' "$page" > "$work/page.8"
    install -m 0644 "$work/page.8" "$page"
done
# Debian compresses manuals with gzip -9n (-n: no name or time in the header,
# which would make every build differ).
find "$mandir" -type f -name '*.8' -exec gzip -9n {} +
rmdir --ignore-fail-on-non-empty "$mandir" "$root/usr/share/man" 2>/dev/null || true

# Completions from the command-line definitions themselves, each where the
# Debian package of its shell looks for completions of other packages:
# bash-completion loads /usr/share/bash-completion/completions/<command> on
# demand, zsh reads vendor-completions, fish vendor_completions.d.
# The bash script is sourced, never run: its #! line goes (lintian:
# bash-completion-with-hashbang).
"$root/usr/bin/streamlstmd" --generate-completion-script bash | sed '1{/^#!/d}' \
    | install -D -m 0644 /dev/stdin "$root/usr/share/bash-completion/completions/streamlstmd"
"$root/usr/bin/streamlstmd" --generate-completion-script zsh \
    | install -D -m 0644 /dev/stdin "$root/usr/share/zsh/vendor-completions/_streamlstmd"
"$root/usr/bin/streamlstmd" --generate-completion-script fish \
    | install -D -m 0644 /dev/stdin "$root/usr/share/fish/vendor_completions.d/streamlstmd.fish"

# Documentation every Debian package carries: the copyright file (plain) and
# the changelog (gzip -9n). A version without a Debian revision is a native
# package, whose changelog is changelog.gz, not changelog.Debian.gz.
docdir=$root/usr/share/doc/streamlstmd
install -D -m 0644 "$debdir/copyright" "$docdir/copyright"
gzip -9n < "$debdir/changelog" > "$docdir/changelog.gz"
chmod 0644 "$docdir/changelog.gz"
install -D -m 0644 "$repo/deploy/alertmanager-route.yml" "$docdir/examples/alertmanager-route.yml"
# Tags that are explained rather than fixed (each override file line carries
# its reason as a comment); lintian reads them from here.
if [ -f "$debdir/lintian-overrides" ]; then
    install -D -m 0644 "$debdir/lintian-overrides" "$root/usr/share/lintian/overrides/streamlstmd"
fi

# --- the control area --------------------------------------------------------
install -d -m 0755 "$root/DEBIAN"
for script in postinst prerm postrm; do
    install -m 0755 "$debdir/$script" "$root/DEBIAN/$script"
done
# dpkg-deb does not guess conffiles: every file under /etc is listed.
(cd "$root" && find etc -type f | sed 's#^#/#' | sort) > "$root/DEBIAN/conffiles"

# Depends: from the libraries the binary needs (ELF NEEDED) and the shlibs or
# symbols files of the Debian packages that provide them. dpkg-shlibdeps reads
# debian/control of the current directory, so it runs in a minimal one.
printf 'Source: streamlstmd\n\nPackage: streamlstmd\nArchitecture: any\n' > "$work/src/debian/control"
shlibdeps_opts=()
if [ "${ALLOW_UNPACKAGED_LIBS:-0}" = 1 ]; then
    shlibdeps_opts+=(--ignore-missing-info)
fi
depends=$(cd "$work/src" && dpkg-shlibdeps "${shlibdeps_opts[@]}" -O -e ./debian/streamlstmd/usr/bin/streamlstmd \
    | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "build_deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

# Installed-Size in KiB, as dpkg-gencontrol counts it: every file rounded up
# to a whole KiB, plus one per directory and symlink.
installed_size=$(cd "$root" && find . -path ./DEBIAN -prune -o \( -type f -printf '%s\n' \) -o \( ! -type f -printf '1024\n' \) \
    | awk '{ total += int(($1 + 1023) / 1024) } END { print total }')

sed -e "s#@VERSION@#$version#" -e "s#@ARCH@#$arch#" -e "s#@MAINTAINER@#$maintainer#" \
    -e "s#@INSTALLED_SIZE@#$installed_size#" -e "s#@DEPENDS@#$depends#" \
    "$debdir/control.in" > "$root/DEBIAN/control"

# md5sums lets debsums and dpkg --verify check the installed files.
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) \
    > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

# Same file times in every build.
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

# --- the package -------------------------------------------------------------
# --root-owner-group: every file root:root whoever builds (no fakeroot).
deb=$outdir/streamlstmd_${version}_${arch}.deb
mkdir -p "$outdir"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb"
echo "build_deb: $deb"
dpkg-deb --info "$deb" | sed -n '/Package:/,$p'

if [ "${LINTIAN:-1}" != 0 ]; then
    if command -v lintian >/dev/null; then
        # Informational tags too; the README explains each one left.
        # lintian exits non-zero on errors; the caller decides what that means.
        lintian --info --display-info --tag-display-limit 0 "$deb" || echo "build_deb: lintian exit status $?" >&2
    else
        echo "build_deb: lintian is not installed (apt-get install lintian)" >&2
    fi
fi
