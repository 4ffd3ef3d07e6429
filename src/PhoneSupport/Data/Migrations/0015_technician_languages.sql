-- The languages a technician takes calls in (issue 11): primary language subtags (ISO 639-1, lower case: en, de),
-- preferred first. Routing offers a caller to technicians speaking the caller's language first; the whisper is
-- spoken in the technician's language. Existing technicians speak English, as every whisper so far was.
alter table technicians
    add column languages text[] not null default '{en}',
    add constraint technicians_languages_present check (cardinality(languages) >= 1);
