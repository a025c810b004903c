-- Deterministic pseudo-random numbers: the same seed, stream and record give the same draw,
-- whatever the thread count or row order. Never random().
-- hash() of several values mixes them weakly (draws of two streams for the same record are
-- correlated); hashing the hash again gives independent streams
create or replace macro gen_h(stream, x) as hash(hash(getvariable('seed'), stream, x));
create or replace macro gen_u(stream, x) as ((gen_h(stream, x) >> 11)::double / 9007199254740992.0);

-- standard normal by Box-Muller, cut at +-3.5 so that values stay inside the hard limits
create or replace macro gen_z(stream, x) as
    greatest(-3.5, least(3.5, sqrt(-2 * ln(gen_u(stream || '/1', x) + 1e-12)) * cos(2 * pi() * gen_u(stream || '/2', x))));

create or replace macro gen_pick(items, u) as
    items[1 + least(len(items) - 1, floor(u * len(items))::bigint)];

-- which patient of the system's pool a clinic's j-th record is about: the first `patients`
-- records cover the clinic's own pool once each (so distinct counts are exact), `visits`
-- records go anywhere in the system's pool (patients seen in two specialties), the rest
-- repeat own patients
create or replace macro gen_patient_index(j, patients, visits, base, pool_size, u) as
    case
        when getvariable('night') then base + floor(u * patients)::bigint
        when j < patients then base + j
        when j < patients + visits then floor(u * pool_size)::bigint
        else base + floor(u * patients)::bigint
    end;

-- pseudonym of pool member g: an odd multiplier permutes [0, 2^21), so distinct members get
-- distinct pseudonyms; never six digits in a row, so no pseudonym can look like a CPR number.
-- The last letter is the shard's (A for shard 0 and every inbox of one shard): the shards of a
-- large inbox never share a patient, so their distinct-patient counts add up
create or replace macro gen_perm(g) as ((g * 1103515245 + getvariable('seed')) % 2097152)::bigint;
create or replace macro gen_pseudonym(pool_id, g) as
    'P' || chr(65 + pool_id::int) || chr(65 + (gen_perm(g) % 26)::int)
    || lpad(((gen_perm(g) // 26) % 100000)::varchar, 5, '0') || chr(65 + ((gen_perm(g) // 2600000 + getvariable('shard')) % 26)::int);

-- a CPR-shaped number (valid calendar date + 4 digits), sometimes written with a dash
create or replace macro gen_cpr(x) as (
    lpad((1 + floor(gen_u('cpr-d', x) * 28))::int::varchar, 2, '0')
    || lpad((1 + floor(gen_u('cpr-m', x) * 12))::int::varchar, 2, '0')
    || lpad(floor(gen_u('cpr-y', x) * 100)::int::varchar, 2, '0')
    || case when gen_u('cpr-dash', x) < 0.5 then '-' else '' end
    || lpad(floor(gen_u('cpr-s', x) * 10000)::int::varchar, 4, '0')
);

-- an eCPR replacement number: DDMMYY, 1/7/0/5/6, two capital letters, one digit
create or replace macro gen_ecpr(x) as (
    lpad((1 + floor(gen_u('ecpr-d', x) * 28))::int::varchar, 2, '0')
    || lpad((1 + floor(gen_u('ecpr-m', x) * 12))::int::varchar, 2, '0')
    || lpad(floor(gen_u('ecpr-y', x) * 100)::int::varchar, 2, '0')
    || gen_pick(['1', '7', '0', '5', '6'], gen_u('ecpr-k', x))
    || chr(65 + floor(gen_u('ecpr-l1', x) * 26)::int) || chr(65 + floor(gen_u('ecpr-l2', x) * 26)::int)
    || floor(gen_u('ecpr-c', x) * 10)::int::varchar
);

-- a number with a fixed count of decimals ('.' as separator); decimal casts are much faster than printf
create or replace macro gen_fmt(v, decimals) as
    case decimals
        when 0 then round(v)::bigint::varchar
        when 1 then v::decimal(18, 1)::varchar
        when 2 then v::decimal(18, 2)::varchar
        else v::decimal(18, 3)::varchar
    end;
