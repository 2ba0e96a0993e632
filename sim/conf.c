/*
 * sim/conf.c - applying "key = value" text through a module's key table.
 */
#include "sim/conf.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sim/sim.h"
#include "sim/units.h"

G_DEFINE_QUARK(netsim - conf - error - quark, conf_error)

const struct conf_key *
conf_find(const struct conf_key *table, const char *key)
{
	for (const struct conf_key *k = table; k && k->key; k++)
		if (g_strcmp0(k->key, key) == 0)
			return k;
	return NULL;
}

static bool
parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "on", "true", "yes", "1", NULL };
	static const char *const no[] = { "off", "false", "no", "0", NULL };
	for (int i = 0; yes[i]; i++) {
		if (g_ascii_strcasecmp(v, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (g_ascii_strcasecmp(v, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

static bool
range_error(const struct conf_key *k, const char *value, GError **error)
{
	g_autofree char *d = conf_describe(k);
	g_set_error(error, CONF_ERROR, CONF_ERROR_RANGE, "'%s' is out of range: expected %s", value,
		    d);
	return false;
}

bool
conf_set(const struct conf_key *k, void *base, const char *value, GError **error)
{
	char *p = (char *)base + k->offset;
	g_autoptr(GError) sub = NULL;
	char *end;
	switch (k->type) {
	case CONF_BOOL: {
		bool b;
		if (!parse_bool(value, &b)) {
			g_set_error(error, CONF_ERROR, CONF_ERROR_INVALID, "'%s' is not on or off",
				    value);
			return false;
		}
		*(bool *)p = b;
		return true;
	}
	case CONF_INT:
	case CONF_UINT32: {
		errno = 0;
		long long v = strtoll(value, &end, 10);
		if (end == value || *end || errno) {
			g_set_error(error, CONF_ERROR, CONF_ERROR_INVALID,
				    "'%s' is not a whole number", value);
			return false;
		}
		if (v < k->min || v > k->max)
			return range_error(k, value, error);
		if (k->type == CONF_INT)
			*(int64_t *)p = v;
		else
			*(uint32_t *)p = (uint32_t)v;
		return true;
	}
	case CONF_DURATION: {
		sim_time_t t;
		if (!units_parse_duration(value, &t, &sub)) {
			g_set_error_literal(error, CONF_ERROR, CONF_ERROR_INVALID, sub->message);
			return false;
		}
		if (t < k->min || t > k->max)
			return range_error(k, value, error);
		*(sim_time_t *)p = t;
		return true;
	}
	case CONF_BITRATE:
	case CONF_BYTES: {
		uint64_t v;
		bool ok = k->type == CONF_BITRATE ? units_parse_bitrate(value, &v, &sub)
						  : units_parse_bytes(value, &v, &sub);
		if (!ok && g_error_matches(sub, UNITS_ERROR, UNITS_ERROR_RANGE))
			return range_error(k, value, error); /* say the key's range */
		if (!ok) {
			g_set_error_literal(error, CONF_ERROR, CONF_ERROR_INVALID, sub->message);
			return false;
		}
		if (v > INT64_MAX || (int64_t)v < k->min || (int64_t)v > k->max)
			return range_error(k, value, error);
		*(uint64_t *)p = v;
		return true;
	}
	case CONF_DOUBLE: {
		errno = 0;
		double v = g_ascii_strtod(value, &end);
		if (end == value || *end || errno || !isfinite(v)) {
			g_set_error(error, CONF_ERROR, CONF_ERROR_INVALID, "'%s' is not a number",
				    value);
			return false;
		}
		if (v < k->dmin || v > k->dmax)
			return range_error(k, value, error);
		*(double *)p = v;
		return true;
	}
	case CONF_UINT32_3: {
		uint32_t v[3];
		const char *q = value;
		for (int i = 0; i < 3; i++) {
			while (*q == ' ' || *q == '\t')
				q++;
			errno = 0;
			long long n = strtoll(q, &end, 10);
			if (end == q || errno || (i < 2 && *end != ' ' && *end != '\t')) {
				g_set_error(error, CONF_ERROR, CONF_ERROR_INVALID,
					    "'%s' is not three whole numbers (min default max)",
					    value);
				return false;
			}
			if (n < k->min || n > k->max)
				return range_error(k, value, error);
			v[i] = (uint32_t)n;
			q = end;
		}
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q) {
			g_set_error(error, CONF_ERROR, CONF_ERROR_INVALID,
				    "'%s' is not three whole numbers (min default max)", value);
			return false;
		}
		if (v[0] > v[1] || v[1] > v[2]) {
			g_set_error(error, CONF_ERROR, CONF_ERROR_RANGE,
				    "'%s': expected min <= default <= max", value);
			return false;
		}
		memcpy(p, v, sizeof v);
		return true;
	}
	case CONF_ENUM:
		for (int i = 0; k->names[i]; i++) {
			if (g_ascii_strcasecmp(value, k->names[i]) == 0) {
				*(int *)p = i;
				return true;
			}
		}
		{
			g_autofree char *d = conf_describe(k);
			g_set_error(error, CONF_ERROR, CONF_ERROR_INVALID, "'%s' is not one of %s",
				    value, d);
		}
		return false;
	}
	g_assert_not_reached();
}

char *
conf_get(const struct conf_key *k, const void *base)
{
	const char *p = (const char *)base + k->offset;
	char buf[64];
	switch (k->type) {
	case CONF_BOOL: return g_strdup(*(const bool *)p ? "on" : "off");
	case CONF_INT: return g_strdup_printf("%" G_GINT64_FORMAT, *(const int64_t *)p);
	case CONF_UINT32: return g_strdup_printf("%u", *(const uint32_t *)p);
	case CONF_DURATION:
		return g_strdup(units_format_duration(*(const sim_time_t *)p, buf, sizeof buf));
	case CONF_BITRATE: return g_strdup_printf("%" G_GUINT64_FORMAT "bit", *(const uint64_t *)p);
	case CONF_BYTES: return g_strdup_printf("%" G_GUINT64_FORMAT, *(const uint64_t *)p);
	case CONF_DOUBLE: return g_strdup_printf("%g", *(const double *)p);
	case CONF_ENUM: return g_strdup(k->names[*(const int *)p]);
	case CONF_UINT32_3: {
		const uint32_t *v = (const uint32_t *)(const void *)p;
		return g_strdup_printf("%u %u %u", v[0], v[1], v[2]);
	}
	}
	g_assert_not_reached();
}

char *
conf_describe(const struct conf_key *k)
{
	char a[32], b[32];
	switch (k->type) {
	case CONF_BOOL: return g_strdup("on or off");
	case CONF_INT:
	case CONF_UINT32:
		return g_strdup_printf("a whole number from %" G_GINT64_FORMAT
				       " to %" G_GINT64_FORMAT,
				       k->min, k->max);
	case CONF_DURATION:
		return g_strdup_printf("a duration from %s to %s",
				       units_format_duration(k->min, a, sizeof a),
				       units_format_duration(k->max, b, sizeof b));
	case CONF_BITRATE:
		return g_strdup_printf("a bit rate such as 10Mbit, from %" G_GINT64_FORMAT
				       "bit to %" G_GINT64_FORMAT "bit",
				       k->min, k->max);
	case CONF_BYTES:
		return g_strdup_printf("a size in bytes from %" G_GINT64_FORMAT
				       " to %" G_GINT64_FORMAT,
				       k->min, k->max);
	case CONF_DOUBLE: return g_strdup_printf("a number from %g to %g", k->dmin, k->dmax);
	case CONF_UINT32_3:
		return g_strdup_printf("three whole numbers min default max, from %" G_GINT64_FORMAT
				       " to %" G_GINT64_FORMAT,
				       k->min, k->max);
	case CONF_ENUM: {
		g_autofree char *j = g_strjoinv(", ", (char **)k->names);
		return g_strdup_printf("one of: %s", j);
	}
	}
	g_assert_not_reached();
}
