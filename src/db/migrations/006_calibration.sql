-- What the last item analysis said of each item version: its flags (JSON array of
-- codes, empty when none) and when it was analysed. The calibrated facility and its n
-- live in facility / facility_n.
ALTER TABLE item_versions ADD COLUMN flags TEXT;
ALTER TABLE item_versions ADD COLUMN analysed_at TEXT;
