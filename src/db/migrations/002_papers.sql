-- Blueprints as used, by the hash of their canonical content.
CREATE TABLE blueprints (
    hash        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    level       TEXT NOT NULL,
    canonical   TEXT NOT NULL,  -- canonical JSON of the checked blueprint
    source_text TEXT NOT NULL,  -- the TOML as the user wrote it
    created_at  TEXT NOT NULL
) STRICT;

-- One `build-paper` run: its seed and algorithm rebuild the same papers.
CREATE TABLE builds (
    id             TEXT PRIMARY KEY,          -- P-YYYYMMDD-NNNN
    seq            INTEGER NOT NULL UNIQUE,   -- global order, for avoid_recent
    blueprint_hash TEXT NOT NULL REFERENCES blueprints (hash),
    seed           INTEGER NOT NULL,
    algorithm      TEXT NOT NULL,
    created_at     TEXT NOT NULL
) STRICT;

-- One form (A, B, ...) of a build.
CREATE TABLE papers (
    id            TEXT PRIMARY KEY,           -- P-YYYYMMDD-NNNN-A
    build_id      TEXT NOT NULL REFERENCES builds (id),
    form          TEXT NOT NULL,
    title         TEXT NOT NULL,
    level         TEXT NOT NULL,
    minutes       INTEGER NOT NULL,
    pass_mark     REAL NOT NULL,
    total_points  REAL NOT NULL,
    sections      TEXT NOT NULL,              -- JSON: [{kind, count, points, scoring}]
    mean_facility REAL NOT NULL,
    report        TEXT NOT NULL,              -- JSON: target vs achieved
    created_at    TEXT NOT NULL,
    UNIQUE (build_id, form)
) STRICT;

-- The questions of a paper in printed order, each an exact item version.
CREATE TABLE paper_items (
    paper_id     TEXT NOT NULL REFERENCES papers (id),
    position     INTEGER NOT NULL,
    section      INTEGER NOT NULL,
    item_id      TEXT NOT NULL,
    version      TEXT NOT NULL,
    points       REAL NOT NULL,
    scoring      TEXT NOT NULL,
    option_order TEXT NOT NULL,  -- JSON: printed option i shows original option [i]
    answer       TEXT NOT NULL,  -- key in printed letters
    PRIMARY KEY (paper_id, position),
    FOREIGN KEY (item_id, version) REFERENCES item_versions (item_id, version)
) STRICT;
CREATE INDEX paper_items_by_item ON paper_items (item_id);
