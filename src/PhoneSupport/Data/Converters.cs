using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using NodaTime;

namespace PhoneSupport.Data;

/// <summary>
/// NodaTime ↔ Npgsql without the (unserved) NodaTime plugin: an <see cref="Instant"/> is stored as a UTC
/// <see cref="DateTime"/> in <c>timestamptz</c> (Npgsql sends UTC DateTimes unchanged, whatever the session
/// time zone), a <see cref="LocalDate"/> as <see cref="DateOnly"/> in <c>date</c>.
/// </summary>
public sealed class InstantConverter() : ValueConverter<Instant, DateTime>(
    instant => instant.ToDateTimeUtc(),
    utc => Instant.FromDateTimeUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc)));

public sealed class LocalDateConverter() : ValueConverter<LocalDate, DateOnly>(
    date => date.ToDateOnly(),
    value => LocalDate.FromDateOnly(value));
