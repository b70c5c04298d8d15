-- Workspace settings (organisation code, province, site, ...).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- One row per item id: which version is current and whether it may be used, with the
-- current version's classification copied beside it so that counts and filters on
-- large banks scan one table (level_mask: bit per level, see Level::bit).
CREATE TABLE items (
    id              TEXT PRIMARY KEY,
    current_version TEXT NOT NULL,
    domain          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    difficulty      TEXT NOT NULL,
    level_mask      INTEGER NOT NULL,
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired')),
    status_reason   TEXT,
    status_changed  TEXT,
    created_at      TEXT NOT NULL,
    FOREIGN KEY (id, current_version) REFERENCES item_versions (item_id, version)
        DEFERRABLE INITIALLY DEFERRED
) STRICT;

-- Every version an item has had. A version is never updated in its content: papers
-- point at (item_id, version) and must keep rendering and scoring the same text.
CREATE TABLE item_versions (
    item_id       TEXT NOT NULL REFERENCES items (id) DEFERRABLE INITIALLY DEFERRED,
    version       TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    domain        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    levels        TEXT NOT NULL,  -- JSON array of level codes
    difficulty    TEXT NOT NULL,
    stem          TEXT NOT NULL,
    options       TEXT NOT NULL,  -- JSON array
    answer        TEXT NOT NULL,
    explanation   TEXT NOT NULL,
    tags          TEXT NOT NULL,  -- JSON array
    source        TEXT NOT NULL,
    enemies       TEXT NOT NULL,  -- JSON array of item ids
    facility      REAL,           -- calibrated facility, 0..1 (calibration data, not content)
    facility_n    INTEGER,        -- how many answers the calibration is based on
    imported_from TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (item_id, version),
    UNIQUE (item_id, seq)
) STRICT;

-- Covers `bank stats` and list filters: both read only these columns.
CREATE INDEX items_by_classification ON items (status, domain, kind, difficulty, level_mask);
