/*
 * ra-ssh: the sshd_config syntax checks servconf.c needs.  servconf.o is
 * linked into sshd-auth too, which must link no attestation code or its
 * libraries (docs/design.md, library model), so nothing here may call the
 * attestation library or the rest of ra_ssh*.c.
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 */

#include "includes.h"

#include <string.h>

#include "ra_ssh.h"

/*
 * The library's check of an AttestationProvider value (ra_ssh.c sets it in
 * ssh, sshd and sshd-session).  Without it (sshd-auth) the value is one sshd
 * already checked when it started, so only its form is looked at.
 */
int (*ra_provider_spec_hook)(const char *);

/*
 * Syntax check of an AttestationProvider value, so that every process that
 * parses sshd_config refuses a typo with its file and line.  Opening the
 * provider (keys, device files) is the monitor's alone.
 */
int
ra_provider_spec_valid(const char *spec)
{
	if (strcmp(spec, "none") == 0)
		return 1;
	if (ra_provider_spec_hook != NULL)
		return ra_provider_spec_hook(spec);
	return *spec != '\0' && strpbrk(spec, " \t\r\n") == NULL;
}
