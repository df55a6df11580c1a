"""Rules of the register that no code path may bypass, kept by PostgreSQL:

- a postal zone's first digit is its governorate's postcode digit, and its code lies in the
  governorate's published zone range, when the governorate has them;
- a building that was given a postcode is retired, never deleted: its code must never be
  issued again, and the unique (zone, delivery point) constraint only guards codes whose row
  still exists.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION addressing_zone_check() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  gov record;
BEGIN
  SELECT name_en, postcode_digit, postcode_zone_first, postcode_zone_last INTO gov
    FROM boundaries_governorate WHERE id = NEW.governorate_id;
  IF gov.postcode_digit IS NOT NULL AND left(NEW.code, 1)::int <> gov.postcode_digit THEN
    RAISE EXCEPTION 'postal zone P% must start with %, the postcode digit of %',
      NEW.code, gov.postcode_digit, gov.name_en USING ERRCODE = 'check_violation';
  END IF;
  IF gov.postcode_zone_first IS NOT NULL
     AND NEW.code::int NOT BETWEEN gov.postcode_zone_first AND gov.postcode_zone_last THEN
    RAISE EXCEPTION 'postal zone P% is outside %''s zones P%-P%', NEW.code, gov.name_en,
      gov.postcode_zone_first, gov.postcode_zone_last USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$fn$;
CREATE TRIGGER addressing_zone_check BEFORE INSERT OR UPDATE OF code, governorate_id
  ON addressing_postalzone FOR EACH ROW EXECUTE FUNCTION addressing_zone_check();

CREATE FUNCTION addressing_building_keep_postcode() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'DELETE' AND OLD.postcode IS NOT NULL THEN
    RAISE EXCEPTION 'building % has postcode %: retire it, never delete it (a postcode is never issued twice)',
      OLD.id, OLD.postcode USING ERRCODE = 'restrict_violation';
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.postcode IS NOT NULL
     AND NEW.postcode IS DISTINCT FROM OLD.postcode THEN
    RAISE EXCEPTION 'building % keeps its postcode %: a postcode is never changed or reissued',
      OLD.id, OLD.postcode USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$fn$;
CREATE TRIGGER addressing_building_keep_postcode BEFORE DELETE OR UPDATE OF postcode
  ON addressing_building FOR EACH ROW EXECUTE FUNCTION addressing_building_keep_postcode();
"""

DROP = """
DROP TRIGGER IF EXISTS addressing_building_keep_postcode ON addressing_building;
DROP FUNCTION IF EXISTS addressing_building_keep_postcode();
DROP TRIGGER IF EXISTS addressing_zone_check ON addressing_postalzone;
DROP FUNCTION IF EXISTS addressing_zone_check();
"""


class Migration(migrations.Migration):
    dependencies = [("addressing", "0002_address_register")]

    operations = [migrations.RunSQL(sql=CREATE, reverse_sql=DROP)]
