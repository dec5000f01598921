//! Every string the app shows, in Swedish (the default) and English,
//! checked at compile time by leptos_i18n: a key missing in one language
//! does not build.

leptos_i18n::declare_locales! {
    path: leptos_i18n,
    interpolate_display,
    default: "sv",
    locales: ["sv", "en"],
    sv: {
        brand: "Labblogg",
        nav_counter: "Besök",
        nav_settings: "Inställningar",
        language: "Språk",
        sync_synced: "Allt sparat på servern",
        sync_pending: "{{ n }} ändringar väntar — skickas strax",
        sync_pending_one: "1 ändring väntar — skickas strax",
        sync_offline_none: "Ingen kontakt med servern — allt är sparat",
        sync_offline: "{{ n }} ändringar sparade här — skickas när nätet är tillbaka",
        sync_refused: "{{ n }} ändringar kunde inte sparas på servern — se Inställningar",
        sync_server_error: "Servern svarar med fel — {{ n }} ändringar väntar och skickas igen",
    },
    en: {
        brand: "Labblogg",
        nav_counter: "Visits",
        nav_settings: "Settings",
        language: "Language",
        sync_synced: "Everything saved on the server",
        sync_pending: "{{ n }} changes waiting — sending shortly",
        sync_pending_one: "1 change waiting — sending shortly",
        sync_offline_none: "No contact with the server — everything is saved",
        sync_offline: "{{ n }} changes saved here — sent when the network is back",
        sync_refused: "{{ n }} changes could not be saved on the server — see Settings",
        sync_server_error: "The server answers with errors — {{ n }} changes waiting, will be resent",
    },
}
pub use self::i18n::*;
