"""The register's rules, enforced by the database so that no code path (a service, the admin, an
import, a raw SQL session) can bypass them. Each refusal names the rule (the constraint name,
which parcels.errors maps to a message and an HTTP status) and the parcels involved (DETAIL, as
JSON).

- parcel_geometry_valid, parcel_min_area: before a parcel is written, its boundary must be a
  valid, non-empty polygon and its geodesic area at least TopologyRules.min_area_m2.
- parcel_history_frozen: a retired parcel is history; its boundary and identifier never change.
- parcel_no_overlap: at commit (deferred, so that a boundary adjustment may move two parcels in
  one transaction), an active parcel may share no more than
  TopologyRules.overlap_tolerance_m2 with any other active parcel. The check takes one advisory
  lock first, so two transactions committing at once cannot each add half of an overlap unseen
  by the other (in READ COMMITTED each statement of the check sees what committed before the
  lock was granted).

Without the rules row (a test database flushed between tests), the defaults of TopologyRules
apply: 10 m² and 0.5 m².
- right_shares_add_up: at commit, the current ownership (and lease) shares of an active parcel
  add up to exactly one, if it has any.
"""

from django.db import migrations

PARCEL_LOCK = 7_246_001  # pg_advisory_xact_lock key: "parcels being written"

CREATE = f"""
CREATE FUNCTION parcels_identifier(parcel parcels_parcel) RETURNS text
LANGUAGE sql STABLE AS $fn$
  SELECT coalesce(l.name_en, '?') || ' ' || parcel.basin || '/' || parcel.number
    FROM (SELECT 1) one LEFT JOIN boundaries_locality l ON l.id = parcel.locality_id
$fn$;

CREATE FUNCTION parcels_parcel_check() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  rules parcels_topologyrules;
  area double precision;
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.status = 'retired' AND (
       NEW.geom IS DISTINCT FROM OLD.geom OR NEW.status IS DISTINCT FROM OLD.status
       OR NEW.basin IS DISTINCT FROM OLD.basin OR NEW.number IS DISTINCT FROM OLD.number
       OR NEW.locality_id IS DISTINCT FROM OLD.locality_id) THEN
    RAISE EXCEPTION 'Parcel % is retired: the register keeps it as history and it cannot change.',
      parcels_identifier(OLD)
      USING ERRCODE = 'check_violation', CONSTRAINT = 'parcel_history_frozen',
            DETAIL = json_build_object('parcels', json_build_array(OLD.id))::text;
  END IF;
  IF NEW.status <> 'active' THEN
    RETURN NEW;
  END IF;
  IF ST_IsEmpty(NEW.geom) OR NOT ST_IsValid(NEW.geom) THEN
    RAISE EXCEPTION 'Parcel %: the boundary is not a valid polygon (%).',
      parcels_identifier(NEW), coalesce(ST_IsValidReason(NEW.geom), 'empty')
      USING ERRCODE = 'check_violation', CONSTRAINT = 'parcel_geometry_valid',
            DETAIL = json_build_object('parcels', json_build_array(NEW.id),
                                       'reason', ST_IsValidReason(NEW.geom))::text;
  END IF;
  SELECT * INTO rules FROM parcels_topologyrules WHERE id = 1;
  area := ST_Area(NEW.geom::geography);
  IF area < coalesce(rules.min_area_m2, 10.0) THEN
    RAISE EXCEPTION 'Parcel % would be % m², below the minimum parcel area of % m².',
      parcels_identifier(NEW), round(area::numeric, 1), coalesce(rules.min_area_m2, 10.0)
      USING ERRCODE = 'check_violation', CONSTRAINT = 'parcel_min_area',
            DETAIL = json_build_object('parcels', json_build_array(NEW.id),
                                       'area_m2', round(area::numeric, 2),
                                       'min_area_m2', coalesce(rules.min_area_m2, 10.0))::text;
  END IF;
  RETURN NEW;
END $fn$;

CREATE TRIGGER parcels_parcel_check BEFORE INSERT OR UPDATE ON parcels_parcel
  FOR EACH ROW EXECUTE FUNCTION parcels_parcel_check();

CREATE FUNCTION parcels_overlap_check() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  current parcels_parcel;
  tolerance double precision;
  clash record;
BEGIN
  -- The row as it is now: it may have changed again since this check was queued.
  SELECT * INTO current FROM parcels_parcel WHERE id = NEW.id;
  IF NOT FOUND OR current.status <> 'active' THEN
    RETURN NULL;
  END IF;
  PERFORM pg_advisory_xact_lock({PARCEL_LOCK});
  SELECT coalesce((SELECT overlap_tolerance_m2 FROM parcels_topologyrules WHERE id = 1), 0.5)
    INTO tolerance;
  SELECT p.id, parcels_identifier(p) AS identifier,
         ST_Area(ST_Intersection(p.geom, current.geom)::geography) AS shared
    INTO clash
    FROM parcels_parcel p
   WHERE p.status = 'active' AND p.id <> current.id AND p.geom && current.geom
     AND ST_Relate(p.geom, current.geom, '2********')
     AND ST_Area(ST_Intersection(p.geom, current.geom)::geography) > tolerance
   ORDER BY 3 DESC LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'Parcel % would overlap parcel % by % m² (the tolerance is % m²).',
      parcels_identifier(current), clash.identifier, round(clash.shared::numeric, 2), tolerance
      USING ERRCODE = 'check_violation', CONSTRAINT = 'parcel_no_overlap',
            DETAIL = json_build_object('parcels', json_build_array(current.id, clash.id),
                                       'overlap_m2', round(clash.shared::numeric, 2),
                                       'tolerance_m2', tolerance)::text;
  END IF;
  RETURN NULL;
END $fn$;

CREATE CONSTRAINT TRIGGER parcel_no_overlap AFTER INSERT OR UPDATE ON parcels_parcel
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION parcels_overlap_check();

CREATE FUNCTION parcels_shares_check() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  target bigint;
  wrong record;
BEGIN
  target := CASE WHEN TG_OP = 'DELETE' THEN OLD.parcel_id ELSE NEW.parcel_id END;
  SELECT r.kind, sum(r.share_numerator::numeric / r.share_denominator) AS total
    INTO wrong
    FROM parcels_right r JOIN parcels_parcel p ON p.id = r.parcel_id
   WHERE r.parcel_id = target AND r.valid_to IS NULL AND p.status = 'active'
     AND r.kind IN ('ownership', 'lease')
   GROUP BY r.kind
  HAVING abs(sum(r.share_numerator::numeric / r.share_denominator) - 1) > 1e-12
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'The current % shares of parcel % add up to %, not 1.',
      wrong.kind, (SELECT parcels_identifier(p) FROM parcels_parcel p WHERE p.id = target),
      round(wrong.total, 6)
      USING ERRCODE = 'check_violation', CONSTRAINT = 'right_shares_add_up',
            DETAIL = json_build_object('parcels', json_build_array(target),
                                       'kind', wrong.kind,
                                       'total', round(wrong.total, 6))::text;
  END IF;
  RETURN NULL;
END $fn$;

CREATE CONSTRAINT TRIGGER right_shares_add_up AFTER INSERT OR UPDATE OR DELETE ON parcels_right
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION parcels_shares_check();
"""

DROP = """
DROP TRIGGER IF EXISTS right_shares_add_up ON parcels_right;
DROP FUNCTION IF EXISTS parcels_shares_check();
DROP TRIGGER IF EXISTS parcel_no_overlap ON parcels_parcel;
DROP FUNCTION IF EXISTS parcels_overlap_check();
DROP TRIGGER IF EXISTS parcels_parcel_check ON parcels_parcel;
DROP FUNCTION IF EXISTS parcels_parcel_check();
DROP FUNCTION IF EXISTS parcels_identifier(parcels_parcel);
"""


class Migration(migrations.Migration):
    dependencies = [("parcels", "0001_register")]

    operations = [migrations.RunSQL(sql=CREATE, reverse_sql=DROP)]
