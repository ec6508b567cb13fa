/*
 * fuzz_relay_url.c
 *		libFuzzer target: the relay's --redis URL parser (ParseRedisUrl in
 *		relay/config.c).
 *
 * The relay reads this text from its command line and environment, outside
 * any server.  Input: the URL, cut at the first NUL byte (as it would arrive
 * from argv).  On success the target must name a host or a socket path, a
 * port in 1..65535 and a database in 0..65535; whatever the answer, every
 * string it allocated is freed here, so libFuzzer's leak check reports one
 * the parser loses.  run.sh builds this target only when relay/config.c is
 * in the tree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "relay.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t		len = nul ? (size_t) (nul - data) : size;
	char	   *url = malloc(len + 1);
	char		err[256];
	RedisTarget t;

	if (url == NULL)
		return 0;
	memcpy(url, data, len);
	url[len] = '\0';
	err[0] = '\0';
	if (ParseRedisUrl(url, &t, err, sizeof(err)) == 0)
	{
		if (t.sentinel_master != NULL)
		{
			/* redis-sentinel://: Sentinels to ask, no address of its own */
			if (t.nsentinels < 1 || t.host != NULL || t.unix_path != NULL || t.db < 0 || t.db > 65535)
				abort();
			for (int i = 0; i < t.nsentinels; i++)
				if (t.sentinel_host[i] == NULL || t.sentinel_port[i] < 1 || t.sentinel_port[i] > 65535)
					abort();
		}
		else if (t.host == NULL && t.unix_path == NULL)
			abort();
		else if (t.port < 1 || t.port > 65535 || t.db < 0 || t.db > 65535)
			abort();
	}
	else if (err[0] == '\0')
		abort();				/* a refusal always says why */
	free(t.host);
	free(t.unix_path);
	free(t.user);
	free(t.password);
	free(t.sentinel_master);
	for (int i = 0; i < t.nsentinels; i++)
		free(t.sentinel_host[i]);
	free(t.sentinel_host);
	free(t.sentinel_port);
	free(url);
	return 0;
}
