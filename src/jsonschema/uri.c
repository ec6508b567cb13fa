/*
 * uri.c
 *		RFC 3986 reference resolution for "$id", "$ref" and "$dynamicRef".
 *
 * Only what a JSON Schema needs: split a reference into its five parts,
 * resolve it against a base URI (section 5.2, with dot-segment removal) and
 * split off the fragment.  No normalisation beyond that: URIs are compared
 * as strings, as the specification asks.
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "jsonschema/jsonschema_int.h"

typedef struct UriParts
{
	const char *scheme;
	int			scheme_len;		/* -1 when absent */
	const char *auth;
	int			auth_len;		/* -1 when absent */
	const char *path;
	int			path_len;
	const char *query;
	int			query_len;		/* -1 when absent */
	const char *frag;
	int			frag_len;		/* -1 when absent */
} UriParts;

static void
uri_split(const char *s, UriParts *u)
{
	const char *p = s;
	const char *q;

	u->scheme_len = u->auth_len = u->query_len = u->frag_len = -1;
	u->scheme = u->auth = u->query = u->frag = NULL;

	/* scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
	q = p;
	if ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z'))
	{
		while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
			   (*q >= '0' && *q <= '9') || *q == '+' || *q == '-' || *q == '.')
			q++;
		if (*q == ':')
		{
			u->scheme = p;
			u->scheme_len = q - p;
			p = q + 1;
		}
	}
	if (p[0] == '/' && p[1] == '/')
	{
		p += 2;
		u->auth = p;
		while (*p && *p != '/' && *p != '?' && *p != '#')
			p++;
		u->auth_len = p - u->auth;
	}
	u->path = p;
	while (*p && *p != '?' && *p != '#')
		p++;
	u->path_len = p - u->path;
	if (*p == '?')
	{
		p++;
		u->query = p;
		while (*p && *p != '#')
			p++;
		u->query_len = p - u->query;
	}
	if (*p == '#')
	{
		p++;
		u->frag = p;
		u->frag_len = strlen(p);
	}
}

/* RFC 3986 section 5.2.4 */
static char *
remove_dot_segments(const char *path, int len)
{
	char	   *out = palloc(len + 1);
	int			olen = 0;
	const char *in = path;
	const char *end = path + len;

	while (in < end)
	{
		int			rest = end - in;

		if (rest >= 3 && strncmp(in, "../", 3) == 0)
			in += 3;
		else if (rest >= 2 && strncmp(in, "./", 2) == 0)
			in += 2;
		else if (rest >= 3 && strncmp(in, "/./", 3) == 0)
			in += 2;
		else if (rest == 2 && strncmp(in, "/.", 2) == 0)
		{
			in += 1;
			/* replace with "/" */
			out[olen++] = '/';
			in += 1;
		}
		else if ((rest >= 4 && strncmp(in, "/../", 4) == 0) ||
				 (rest == 3 && strncmp(in, "/..", 3) == 0))
		{
			while (olen > 0 && out[olen - 1] != '/')
				olen--;
			if (olen > 0)
				olen--;
			if (rest == 3)
			{
				out[olen++] = '/';
				in += 3;
			}
			else
				in += 3;
		}
		else if ((rest == 1 && in[0] == '.') || (rest == 2 && strncmp(in, "..", 2) == 0))
			in = end;
		else
		{
			/* move the first segment, with its leading "/", to the output */
			if (*in == '/')
				out[olen++] = *in++;
			while (in < end && *in != '/')
				out[olen++] = *in++;
		}
	}
	out[olen] = '\0';
	return out;
}

static void
append_part(StringInfo buf, const char *s, int len)
{
	if (len > 0)
		appendBinaryStringInfo(buf, s, len);
}

/*
 * Resolve ref against base.  An empty or NULL base leaves ref as it is
 * (after dot-segment removal when it is absolute).
 */
char *
JsonSchemaUriResolve(const char *base, const char *ref)
{
	UriParts	r,
				b;
	StringInfoData out;
	char	   *path;

	uri_split(ref, &r);
	initStringInfo(&out);

	if (r.scheme_len >= 0)
	{
		append_part(&out, r.scheme, r.scheme_len);
		appendStringInfoChar(&out, ':');
		if (r.auth_len >= 0)
		{
			appendStringInfoString(&out, "//");
			append_part(&out, r.auth, r.auth_len);
		}
		path = remove_dot_segments(r.path, r.path_len);
		appendStringInfoString(&out, path);
		if (r.query_len >= 0)
		{
			appendStringInfoChar(&out, '?');
			append_part(&out, r.query, r.query_len);
		}
		if (r.frag_len >= 0)
		{
			appendStringInfoChar(&out, '#');
			append_part(&out, r.frag, r.frag_len);
		}
		return out.data;
	}

	uri_split(base ? base : "", &b);
	if (b.scheme_len >= 0)
	{
		append_part(&out, b.scheme, b.scheme_len);
		appendStringInfoChar(&out, ':');
	}

	if (r.auth_len >= 0)
	{
		appendStringInfoString(&out, "//");
		append_part(&out, r.auth, r.auth_len);
		path = remove_dot_segments(r.path, r.path_len);
		appendStringInfoString(&out, path);
		if (r.query_len >= 0)
		{
			appendStringInfoChar(&out, '?');
			append_part(&out, r.query, r.query_len);
		}
	}
	else
	{
		if (b.auth_len >= 0)
		{
			appendStringInfoString(&out, "//");
			append_part(&out, b.auth, b.auth_len);
		}
		if (r.path_len == 0)
		{
			append_part(&out, b.path, b.path_len);
			if (r.query_len >= 0)
			{
				appendStringInfoChar(&out, '?');
				append_part(&out, r.query, r.query_len);
			}
			else if (b.query_len >= 0)
			{
				appendStringInfoChar(&out, '?');
				append_part(&out, b.query, b.query_len);
			}
		}
		else
		{
			StringInfoData merged;

			initStringInfo(&merged);
			if (r.path[0] == '/')
				append_part(&merged, r.path, r.path_len);
			else
			{
				/* merge: base path up to its last "/", then the reference */
				if (b.auth_len >= 0 && b.path_len == 0)
					appendStringInfoChar(&merged, '/');
				else
				{
					int			last = -1;
					int			i;

					for (i = 0; i < b.path_len; i++)
						if (b.path[i] == '/')
							last = i;
					if (last >= 0)
						append_part(&merged, b.path, last + 1);
				}
				append_part(&merged, r.path, r.path_len);
			}
			path = remove_dot_segments(merged.data, merged.len);
			appendStringInfoString(&out, path);
			if (r.query_len >= 0)
			{
				appendStringInfoChar(&out, '?');
				append_part(&out, r.query, r.query_len);
			}
		}
	}
	if (r.frag_len >= 0)
	{
		appendStringInfoChar(&out, '#');
		append_part(&out, r.frag, r.frag_len);
	}
	return out.data;
}

/*
 * The URI without its fragment (a new string); *fragment gets the fragment
 * (without "#", "" when there is an empty one) or NULL when there is none.
 */
char *
JsonSchemaUriStripFragment(const char *uri, char **fragment)
{
	const char *hash = strchr(uri, '#');

	if (hash == NULL)
	{
		if (fragment)
			*fragment = NULL;
		return pstrdup(uri);
	}
	if (fragment)
		*fragment = pstrdup(hash + 1);
	return pnstrdup(uri, hash - uri);
}
