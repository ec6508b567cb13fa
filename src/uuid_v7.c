/*
 * uuid_v7.c
 *		RFC 9562 version 7 UUIDs: generation, time extraction, range bounds.
 *
 * Layout (RFC 9562 section 5.7), big-endian:
 *
 *	 octets 0-5   unix_ts_ms   48-bit count of milliseconds since 1970-01-01 UTC
 *	 octet 6 hi   ver          0111
 *	 octet 6 lo,7 rand_a       12-bit fraction of the millisecond (section 6.2,
 *							   method 3: floor(fraction * 4096))
 *	 octet 8 hi   var          10
 *	 rest         rand_b       62 bits from the CSPRNG
 *
 * Monotonicity.  The 48-bit millisecond count and the 12-bit fraction
 * together form a 60-bit "tick" count (one tick = 1/4096 ms, about 244 ns).
 * Each backend remembers the tick of the last value it generated; a new
 * value takes the current clock's tick, or the last tick plus one when the
 * clock has not moved past it (two calls within 244 ns, or a clock that
 * stepped back).  So values from one backend are strictly increasing and
 * never repeat, whatever the wall clock does.  The price: during a burst
 * faster than 4096 values per millisecond, or after the clock steps back,
 * the embedded time runs ahead of the wall clock (by 1/4096 ms per value
 * generated while the clock was behind) until the clock catches up.  There
 * is no counter to overflow: the fraction simply carries into the
 * millisecond field.  Nothing is shared between backends, so values from
 * different sessions are ordered only by their clocks (and, within one
 * tick, by their random bits).
 *
 * Randomness.  pg_strong_random() (OpenSSL's RAND_bytes in our builds) has
 * a fixed cost per call of a microsecond or more, which would dominate
 * generation; a 4 KiB call costs little more than a 16-byte one (about 4 us
 * against 2.4 us on our test machine).  So random bytes are drawn in 4 KiB
 * blocks into a static per-process buffer and consumed 8 bytes per UUID.  The buffer remembers
 * the process id that filled it and is thrown away when MyProcPid differs:
 * a process forked from one that had filled it (the postmaster never does;
 * this guards a backend or worker forked after a library preload, which
 * sets MyProcPid right after the fork) never reuses its parent's bytes.
 * MyProcPid, not getpid(): getpid() is a system call, about 1.5 us on a VM
 * with page-table isolation, five times the cost of the whole UUID; no
 * per-value path makes a system call (doc/uuid_v7.md, "System calls").
 * Nothing of it lives in shared memory.
 *
 * Clock.  clock_gettime(CLOCK_REALTIME) in nanoseconds.  Two internal,
 * superuser-only GUCs let the regression tests move it:
 * goodgo_events.uuid_v7_test_clock_offset (milliseconds added to the wall
 * clock) and goodgo_events.uuid_v7_test_clock_fixed (the clock stands still
 * at offset milliseconds after the Unix epoch).  They are hidden from SHOW
 * ALL and the sample configuration; they exist to test the backward-clock
 * and frozen-clock paths and the range errors.
 */
#include "postgres.h"

#include <math.h>
#include <time.h>
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "compat.h"
#include "goodgo_events.h"

/* ticks per millisecond: the 12-bit rand_a fraction */
#define UUIDV7_FRAC_BITS		12
#define UUIDV7_TICKS_PER_MS		(INT64CONST(1) << UUIDV7_FRAC_BITS)
/* first tick past the 48-bit millisecond field */
#define UUIDV7_TICK_END			(INT64CONST(1) << (48 + UUIDV7_FRAC_BITS))

/* microseconds from the Unix epoch to the PostgreSQL epoch (2000-01-01) */
#define UNIX_TO_PG_EPOCH_USECS \
	((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY)

/* random bytes drawn from the CSPRNG per refill; 512 UUIDs' worth */
#define UUIDV7_RANDOM_BLOCK		4096

#define UUIDV7_RANGE_DETAIL \
	"A UUIDv7 holds a time from 1970-01-01 00:00:00 UTC to 10889-08-02 05:31:50.655 UTC."

/* tick of the last value this backend generated; 0 = none yet */
static int64 last_tick = 0;

/* the per-process random buffer */
static uint8 random_buf[UUIDV7_RANDOM_BLOCK];
static int	random_pos = UUIDV7_RANDOM_BLOCK;	/* empty */
static pid_t random_pid = 0;

/* test-only clock injection (see the header comment) */
static double test_clock_offset_ms = 0.0;
static bool test_clock_fixed = false;

void
UuidV7Init(void)
{
	DefineCustomRealVariable("goodgo_events.uuid_v7_test_clock_offset",
							 "Internal, for tests: milliseconds added to the clock uuid_v7() reads.",
							 "With goodgo_events.uuid_v7_test_clock_fixed on, the clock reads "
							 "this many milliseconds after the Unix epoch instead.",
							 &test_clock_offset_ms,
							 0.0, -1.0e15, 1.0e15,
							 PGC_SUSET,
							 GUC_UNIT_MS | GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("goodgo_events.uuid_v7_test_clock_fixed",
							 "Internal, for tests: stop the clock uuid_v7() reads.",
							 "When on, the clock reads goodgo_events.uuid_v7_test_clock_offset "
							 "milliseconds after the Unix epoch and does not advance.",
							 &test_clock_fixed,
							 false,
							 PGC_SUSET,
							 GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE,
							 NULL, NULL, NULL);
}

/*
 * Copy n (<= 8) fresh random bytes to dst, refilling the buffer from the
 * CSPRNG when it runs dry or belongs to another process.
 */
static inline void
random_bytes(uint8 *dst, int n)
{
	pid_t		pid = MyProcPid;

	if (unlikely(random_pos + n > UUIDV7_RANDOM_BLOCK || pid != random_pid))
	{
		if (!pg_strong_random(random_buf, UUIDV7_RANDOM_BLOCK))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not generate random values")));
		random_pid = pid;
		random_pos = 0;
	}
	memcpy(dst, random_buf + random_pos, n);
	/* never hand out the same bytes twice */
	memset(random_buf + random_pos, 0, n);
	random_pos += n;
}

/* Write the millisecond, version and rand_a fields of tick into d[0..7]. */
static inline void
put_tick(uint8 *d, int64 tick)
{
	uint64		ms = (uint64) tick >> UUIDV7_FRAC_BITS;
	uint32		frac = (uint32) tick & (UUIDV7_TICKS_PER_MS - 1);

	d[0] = (uint8) (ms >> 40);
	d[1] = (uint8) (ms >> 32);
	d[2] = (uint8) (ms >> 24);
	d[3] = (uint8) (ms >> 16);
	d[4] = (uint8) (ms >> 8);
	d[5] = (uint8) ms;
	d[6] = (uint8) (0x70 | (frac >> 8));
	d[7] = (uint8) frac;
}

/* Build a version 7, variant 10 UUID for tick, with 62 random bits. */
static inline pg_uuid_t *
uuid_from_tick(int64 tick)
{
	pg_uuid_t  *uuid = (pg_uuid_t *) palloc(sizeof(pg_uuid_t));

	put_tick(uuid->data, tick);
	random_bytes(uuid->data + 8, 8);
	uuid->data[8] = (uuid->data[8] & 0x3F) | 0x80;
	return uuid;
}

/*
 * Milliseconds (a double from the test GUC) to ticks, exactly for every
 * multiple of 1/4096 ms a double can hold: the whole milliseconds and the
 * fraction are converted separately, since the product alone would lose the
 * low bits past 2^53.
 */
static int64
ms_to_ticks(double ms)
{
	double		whole = floor(ms);

	return (int64) whole * UUIDV7_TICKS_PER_MS +
		(int64) floor((ms - whole) * UUIDV7_TICKS_PER_MS);
}

/*
 * The current time in ticks since the Unix epoch, possibly outside
 * [0, UUIDV7_TICK_END) when a test clock says so.
 */
static inline int64
clock_now_ticks(void)
{
	struct timespec ts;
	int64		ticks;

	if (unlikely(test_clock_fixed))
		return ms_to_ticks(test_clock_offset_ms);

	clock_gettime(CLOCK_REALTIME, &ts);
	ticks = (int64) ts.tv_sec * 1000 * UUIDV7_TICKS_PER_MS +
		((int64) ts.tv_nsec * UUIDV7_TICKS_PER_MS) / 1000000;
	if (unlikely(test_clock_offset_ms != 0.0))
		ticks += ms_to_ticks(test_clock_offset_ms);
	return ticks;
}

/*
 * Ticks since the Unix epoch of a timestamptz (floor to 1/4096 ms), with the
 * 22008 errors for times a UUIDv7 cannot hold.
 */
static int64
timestamptz_to_ticks(TimestampTz ts)
{
	int64		unix_us;

	if (TIMESTAMP_NOT_FINITE(ts))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range for UUIDv7"),
				 errdetail("An infinite timestamp has no UUIDv7.")));

	/* finite timestamps are far from int64 overflow here */
	unix_us = ts + UNIX_TO_PG_EPOCH_USECS;
	if (unix_us < 0 || unix_us / 1000 >= (UUIDV7_TICK_END >> UUIDV7_FRAC_BITS))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range for UUIDv7"),
				 errdetail(UUIDV7_RANGE_DETAIL)));

	return (unix_us / 1000) * UUIDV7_TICKS_PER_MS +
		((unix_us % 1000) * UUIDV7_TICKS_PER_MS) / 1000;
}

/*
 * uuid_v7() -> uuid: a new UUIDv7, strictly greater than every other this
 * backend has generated.
 */
PG_FUNCTION_INFO_V1(goodgo_uuid_v7);
Datum
goodgo_uuid_v7(PG_FUNCTION_ARGS)
{
	int64		tick = clock_now_ticks();
	pg_uuid_t  *result;

	if (unlikely(tick < 0 || tick >= UUIDV7_TICK_END))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("system clock is out of range for UUIDv7"),
				 errdetail(UUIDV7_RANGE_DETAIL)));

	if (tick <= last_tick)
	{
		/* same tick, or the clock went back: step just past the last value */
		tick = last_tick + 1;
		if (unlikely(tick >= UUIDV7_TICK_END))
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("time range of UUIDv7 exhausted in this session"),
					 errdetail("The last UUIDv7 this session generated holds the latest time a UUIDv7 can encode, 10889-08-02 05:31:50.655 UTC.")));
	}

	result = uuid_from_tick(tick);
	last_tick = tick;
	PG_RETURN_UUID_P(result);
}

/*
 * uuid_v7(timestamptz) -> uuid: a UUIDv7 for that instant (its sub-millisecond
 * part in rand_a), with fresh random bits.  Stateless: two calls with the
 * same instant are ordered only by their random bits.
 */
PG_FUNCTION_INFO_V1(goodgo_uuid_v7_at);
Datum
goodgo_uuid_v7_at(PG_FUNCTION_ARGS)
{
	PG_RETURN_UUID_P(uuid_from_tick(timestamptz_to_ticks(PG_GETARG_TIMESTAMPTZ(0))));
}

/*
 * uuid_v7_time(uuid) -> timestamptz: the embedded millisecond; NULL unless
 * the uuid is version 7 with variant 10.  The rand_a fraction is not read:
 * it is a fraction only for values made by this generator.
 */
PG_FUNCTION_INFO_V1(goodgo_uuid_v7_time);
Datum
goodgo_uuid_v7_time(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *uuid = PG_GETARG_UUID_P(0);
	const uint8 *d = uuid->data;
	int64		ms;

	if ((d[6] >> 4) != 7 || (d[8] >> 6) != 2)
		PG_RETURN_NULL();

	ms = ((int64) d[0] << 40) | ((int64) d[1] << 32) | ((int64) d[2] << 24) |
		((int64) d[3] << 16) | ((int64) d[4] << 8) | (int64) d[5];

	/* 2^48 ms is well inside timestamptz's range: no overflow check needed */
	PG_RETURN_TIMESTAMPTZ(ms * 1000 - UNIX_TO_PG_EPOCH_USECS);
}

/*
 * uuid_v7_floor(timestamptz) -> uuid: the smallest UUIDv7 of that
 * millisecond (rand_a and rand_b zero), for range scans and partition bounds.
 */
PG_FUNCTION_INFO_V1(goodgo_uuid_v7_floor);
Datum
goodgo_uuid_v7_floor(PG_FUNCTION_ARGS)
{
	int64		tick = timestamptz_to_ticks(PG_GETARG_TIMESTAMPTZ(0));
	pg_uuid_t  *uuid = (pg_uuid_t *) palloc0(sizeof(pg_uuid_t));

	/* drop the fraction: rand_a and rand_b all zero */
	put_tick(uuid->data, tick & ~(UUIDV7_TICKS_PER_MS - 1));
	uuid->data[8] = 0x80;
	PG_RETURN_UUID_P(uuid);
}
