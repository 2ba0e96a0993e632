/*
 * sim/units.c - durations, bit rates and sizes as scenario files write them.
 */
#include "sim/units.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK(netsim - units - error - quark, units_error)

struct unit {
	const char *suffix;
	double factor;
};

/* Parse "<number><suffix>" against @units (longest suffixes first). */
static bool
parse_with_units(const char *text, const struct unit *units, bool unit_required, const char *what,
		 double *out, GError **error)
{
	if (!text || !*text) {
		g_set_error(error, UNITS_ERROR, UNITS_ERROR_SYNTAX, "empty %s", what);
		return false;
	}
	char *end;
	errno = 0;
	double v = g_ascii_strtod(text, &end);
	if (end == text || errno || !isfinite(v) || v < 0) {
		g_set_error(error, UNITS_ERROR, UNITS_ERROR_SYNTAX, "'%s' is not a valid %s", text,
			    what);
		return false;
	}
	while (*end == ' ')
		end++;
	if (!*end && !unit_required) {
		*out = v;
		return true;
	}
	for (const struct unit *u = units; u->suffix; u++) {
		if (g_ascii_strcasecmp(end, u->suffix) == 0) {
			*out = v * u->factor;
			return true;
		}
	}
	GString *names = g_string_new(NULL);
	for (const struct unit *u = units; u->suffix; u++)
		g_string_append_printf(names, "%s%s", names->len ? ", " : "", u->suffix);
	g_set_error(error, UNITS_ERROR, UNITS_ERROR_SYNTAX, "'%s' is not a valid %s (units: %s)",
		    text, what, names->str);
	g_string_free(names, TRUE);
	return false;
}

bool
units_parse_duration(const char *text, sim_time_t *out, GError **error)
{
	static const struct unit units[] = {
		{ "ns", 1 },  { "us", 1e3 },   { "ms", 1e6 },
		{ "s", 1e9 }, { "min", 60e9 }, { NULL, 0 },
	};
	double v;
	if (g_strcmp0(text, "0") == 0) {
		*out = 0;
		return true;
	}
	if (!parse_with_units(text, units, true, "duration", &v, error))
		return false;
	if (v > 9.2e18) {
		g_set_error(error, UNITS_ERROR, UNITS_ERROR_RANGE, "duration '%s' is too long",
			    text);
		return false;
	}
	*out = (sim_time_t)llround(v);
	return true;
}

bool
units_parse_bitrate(const char *text, uint64_t *out, GError **error)
{
	static const struct unit units[] = {
		{ "bit", 1 },	 { "kbit", 1e3 }, { "Mbit", 1e6 }, { "Gbit", 1e9 }, { "bps", 1 },
		{ "kbps", 1e3 }, { "Mbps", 1e6 }, { "Gbps", 1e9 }, { NULL, 0 },
	};
	double v;
	if (!parse_with_units(text, units, true, "bit rate", &v, error))
		return false;
	if (v < 1 || v > 1e15) {
		g_set_error(error, UNITS_ERROR, UNITS_ERROR_RANGE,
			    "bit rate '%s' is out of range (1bit..1000Tbit)", text);
		return false;
	}
	*out = (uint64_t)llround(v);
	return true;
}

bool
units_parse_bytes(const char *text, uint64_t *out, GError **error)
{
	static const struct unit units[] = {
		{ "B", 1 },	    { "kB", 1e3 }, { "KiB", 1024 },	    { "MB", 1e6 },
		{ "MiB", 1048576 }, { "GB", 1e9 }, { "GiB", 1073741824.0 }, { NULL, 0 },
	};
	double v;
	guint64 exact;
	g_autofree char *digits = g_strstrip(g_strdup(text));
	/* A plain count, exactly (a double holds integers exactly only up to 2^53). */
	size_t n = strlen(digits);
	if (n >= 2 && digits[n - 1] == 'B' &&
	    (g_ascii_isdigit(digits[n - 2]) || digits[n - 2] == ' ')) {
		digits[n - 1] = 0;
		g_strchomp(digits);
	}
	if (*digits && strspn(digits, "0123456789") == strlen(digits)) {
		if (!g_ascii_string_to_unsigned(digits, 10, 0, G_MAXUINT64, &exact, NULL)) {
			g_set_error(error, UNITS_ERROR, UNITS_ERROR_RANGE,
				    "'%s' is too large: a size is at most %" G_GUINT64_FORMAT
				    " bytes",
				    text, G_MAXUINT64);
			return false;
		}
		*out = exact;
		return true;
	}
	if (!parse_with_units(text, units, false, "size in bytes", &v, error))
		return false;
	if (v >= 18446744073709551616.0) {
		g_set_error(error, UNITS_ERROR, UNITS_ERROR_RANGE,
			    "'%s' is too large: a size is at most %" G_GUINT64_FORMAT " bytes",
			    text, G_MAXUINT64);
		return false;
	}
	if (v != floor(v)) {
		g_set_error(error, UNITS_ERROR, UNITS_ERROR_SYNTAX,
			    "'%s' is not a whole number of bytes", text);
		return false;
	}
	*out = (uint64_t)v;
	return true;
}

char *
units_format_duration(sim_time_t t, char *buf, size_t len)
{
	const char *sign = t < 0 ? "-" : "";
	sim_time_t a = t < 0 ? -t : t;
	if (a >= SIM_S)
		snprintf(buf, len, "%s%.6gs", sign, (double)a / 1e9);
	else if (a >= SIM_MS)
		snprintf(buf, len, "%s%.6gms", sign, (double)a / 1e6);
	else if (a >= SIM_US)
		snprintf(buf, len, "%s%.6gus", sign, (double)a / 1e3);
	else
		snprintf(buf, len, "%s%" G_GINT64_FORMAT "ns", sign, a);
	return buf;
}
