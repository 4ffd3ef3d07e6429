-- 0007: staff users of the web console (people; machines keep their API keys). Passwords are stored as
-- ASP.NET Core PasswordHasher hashes (PBKDF2). The sign-in failure counter and the lockout live here, in
-- PostgreSQL, so every instance counts the same failures: a conditional UPDATE bumps them atomically.
create table staff_users (
    id                uuid primary key,
    user_name         text not null check (user_name ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
    display_name      text not null,
    role              text not null check (role in ('admin', 'finance', 'technician')),
    technician_id     uuid null references technicians (id),
    password_hash     text not null,
    failed_sign_ins   integer not null,
    locked_until      timestamptz null,
    last_sign_in_at   timestamptz null,
    disabled_at       timestamptz null,
    security_stamp    uuid not null,
    created_at        timestamptz not null,
    created_by        text not null,
    constraint staff_users_user_name_key unique (user_name),
    constraint staff_users_technician_link check ((role = 'technician') = (technician_id is not null))
);
