namespace PhoneSupport.Domain.Flows;
