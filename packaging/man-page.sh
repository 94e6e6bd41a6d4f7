#!/usr/bin/env bash
# man-page.sh VERSION JAVA JAR: vpanel(1) in troff on stdout, from the CLI's own help (one JVM
# prints every command's, io.vpanel.agent.HelpText), so the page says what the CLI does.
set -euo pipefail
version=$1 java=$2 jar=$3
help=$("$java" -Djava.awt.headless=true -cp "$jar" io.vpanel.agent.HelpText)
cat <<HEAD
.TH VPANEL 1 "" "vpanel $version" "vpanel"
.SH NAME
vpanel \- virtualization status and maintenance on the server's front panel
.SH SYNOPSIS
.B vpanel
.I command
.RI [ options ]
.SH DESCRIPTION
vpanel is the agent of a hypervisor host and its command line. The agent shows the host's
virtualization status on the server's front panel (a web page, a character LCD, LEDs and a
button, a terminal) and turns a held maintenance button into an evacuation by live migration.
The Debian package runs it as the systemd service
.BR vpanel.service ,
user
.BR vpanel ,
from
.IR /etc/vpanel/vpanel.yaml .
HEAD
# Each help text in a no-fill block: backslashes escaped, lines starting with . or ' protected.
printf '%s\n' "$help" | awk '
  function close_block() { if (open) print ".fi"; open = 0 }
  /^==== / {
    close_block()
    if ($2 == "vpanel") print ".SH OPTIONS"
    else { if (!commands) { print ".SH COMMANDS"; commands = 1 } print ".SS vpanel " $2 }
    print ".nf"; open = 1; next
  }
  { gsub(/\\/, "\\e"); if ($0 ~ /^[.\x27]/) $0 = "\\&" $0; print }
  END { close_block() }'
cat <<'TAIL'
.SH FILES
.TP
.I /etc/vpanel/vpanel.yaml
the agent's configuration (every key: /usr/share/doc/vpanel/CONFIG.md)
.TP
.I /etc/vpanel/token
the API token made at the first install, mode 600, owner vpanel
.TP
.I /var/lib/vpanel/journal.db
the journal: every request, plan, move and transition; maintenance state across restarts
.TP
.I /usr/lib/vpanel/jvm.options
the Java runtime's options (heap, collector, class-data archive)
.SH ENVIRONMENT
.TP
.B VPANEL_URL\fR, \fBVPANEL_TOKEN\fR, \fBVPANEL_CA\fR, \fBVPANEL_CERT\fR, \fBVPANEL_KEY
the client commands' agent URL, token and TLS files
.TP
.B VPANEL_JAVA_OPTS
more options for the Java runtime, for example \-Xmx256m
.SH SEE ALSO
.BR systemctl (1),
.BR virsh (1),
/usr/share/doc/vpanel/README.Debian
TAIL
