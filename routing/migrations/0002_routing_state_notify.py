"""Every change to the closures or the graph builds NOTIFYs the channel ``routing_state``: the
routing engine LISTENs on it, so a request asks the database for the routing state only when
something changed, instead of on every route. A trigger catches every way of writing (services,
the admin, SQL), which a call in the services would not."""

from django.db import migrations

CHANNEL = "routing_state"
TABLES = ("routing_closure", "routing_graphbuild")

FORWARD = [
    f"""
    CREATE FUNCTION routing_state_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME);
        RETURN NULL;
    END
    $$;
    """
] + [
    f"""
    CREATE TRIGGER {table}_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION routing_state_notify();
    """
    for table in TABLES
]
BACKWARD = [f"DROP TRIGGER {table}_notify ON {table};" for table in TABLES] + [
    "DROP FUNCTION routing_state_notify();"
]


class Migration(migrations.Migration):
    dependencies = [("routing", "0001_routing_graph")]

    operations = [migrations.RunSQL(sql=FORWARD, reverse_sql=BACKWARD)]
