-- Runs once, when the postgres container starts on an empty volume (docker-entrypoint-initdb.d).
-- One server, one database per subgraph: each service owns its data and no query crosses
-- databases (DESIGN.md). Owned by POSTGRES_USER, which the services connect as.
CREATE DATABASE shopgraph_users;
CREATE DATABASE shopgraph_products;
CREATE DATABASE shopgraph_orders;
CREATE DATABASE shopgraph_notifications;
