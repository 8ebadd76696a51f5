-- Every notice in duban.notices against its type's description in sql/notice_payloads.json
-- (psql variable :spec holds the file): one line per violation (a required member missing, a
-- member not described, a member of the wrong JSON type, a type not described); none when all
-- match. Used by tests/integration/sql_rules.sh.
WITH spec AS (
  SELECT t.key AS type, t.value -> 'required' AS req, t.value -> 'optional' AS opt
    FROM jsonb_each((:'spec'::jsonb) -> 'types') t
), members AS (
  SELECT n.id, n.type, m.key, m.value, coalesce(s.req -> m.key, s.opt -> m.key) ->> 0 AS want,
         s.type IS NOT NULL AS described
    FROM duban.notices n
    LEFT JOIN spec s ON s.type = n.type
   CROSS JOIN LATERAL jsonb_each(n.payload) m
), bad AS (
  SELECT format('notice %s (%s): type not described', n.id, n.type) AS what
    FROM duban.notices n WHERE n.type NOT IN (SELECT type FROM spec)
  UNION ALL
  SELECT format('notice %s (%s): %s not described', id, type, key)
    FROM members WHERE described AND want IS NULL
  UNION ALL
  SELECT format('notice %s (%s): %s is %s, not %s', id, type, key, jsonb_typeof(value), want)
    FROM members
   WHERE want IS NOT NULL AND NOT (
           (jsonb_typeof(value) = 'null' AND want LIKE '%?')
        OR CASE rtrim(want, '?')
             WHEN 'date' THEN jsonb_typeof(value) = 'string'
                              AND value #>> '{}' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
             WHEN 'integer' THEN jsonb_typeof(value) = 'number'
                                 AND (value #>> '{}') ~ '^-?[0-9]+$'
             ELSE jsonb_typeof(value) = rtrim(want, '?') END)
  UNION ALL
  SELECT format('notice %s (%s): required %s missing', n.id, n.type, r.key)
    FROM duban.notices n JOIN spec s ON s.type = n.type
   CROSS JOIN LATERAL jsonb_object_keys(s.req) r(key)
   WHERE NOT n.payload ? r.key
)
SELECT what FROM bad ORDER BY what LIMIT 50;
