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
 * Syntax check of an AttestationProvider value.  Opening the provider
 * (which reads keys and device files) happens in the monitor, which is
 * the only process allowed to; this check lets every process that parses
 * sshd_config refuse a typo.
 */
int
ra_provider_spec_valid(const char *spec)
{
	if (strcmp(spec, "none") == 0 || strcmp(spec, "configfs-tsm") == 0 ||
	    strcmp(spec, "trustauthority-cli") == 0)
		return 1;
	if (strncmp(spec, "sim:", 4) == 0)
		return spec[4] == '/';
	/* sim-azure:DIR[;service=URL][;ca=FILE][;timeout=S] (docs/design.md) */
	if (strncmp(spec, "sim-azure:", 10) == 0)
		return spec[10] == '/';
	if (strncmp(spec, "configfs-tsm:", 13) == 0)
		return spec[13] == '/';
	/* azure-vtpm[;tcti=CONF][;imds=URL][;lock=FILE] */
	if (strncmp(spec, "azure-vtpm", 10) == 0)
		return spec[10] == '\0' || spec[10] == ';';
	return 0;
}
