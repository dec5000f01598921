#!/usr/bin/env python3
"""Writes the labelled corpus of the personal-data guard (shared/tests/privacy_corpus.rs).

Run once from this directory: `python3 generate.py`. Deterministic (seeded); the files it
writes are the corpus, committed as data and free to edit by hand afterwards. Every
personnummer and samordningsnummer here is generated with a valid Luhn check digit and belongs
to nobody known; phone numbers and addresses are made up.

Format of every file: one case per line, `category<TAB>text`; `#` starts a comment line.
"""
import random

rng = random.Random(19)

NBSP, NNBSP, THIN = "\u00a0", "\u202f", "\u2009"
FW = str.maketrans("0123456789-", "０１２３４５６７８９－")


def luhn_digit(nine):
    total = 0
    for i, ch in enumerate(nine):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    return str((10 - total % 10) % 10)


def personnummer(samordning=False):
    year = rng.randint(1938, 2012)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    if samordning:
        day += 60
    serial = f"{rng.randint(0, 999):03d}"
    nine = f"{year % 100:02d}{month:02d}{day:02d}{serial}"
    return year, nine + luhn_digit(nine)


def pnr_forms(year, ten):
    d, t = ten[:6], ten[6:]
    c = str(year)[:2]
    return [
        f"{d}-{t}", f"{d}{t}", f"{c}{d}-{t}", f"{c}{d}{t}", f"{d}.{t}", f"{d}/{t}",
        f"{d} – {t}", f"{d}\u2011{t}", f"{d}\u2013{t}", f"{d}\u2212{t}", f"{d} {t}",
        f"{d[:4]} {d[4:]}-{t}", f"{d[:2]} {d[2:4]} {d[4:]}-{t}", f"{c}{d[:2]}-{d[2:4]}-{d[4:]}-{t}",
        f"{c}{d} – {t}", f"{d}{NBSP}-{NBSP}{t}", f"{d}-{t}".translate(FW), f"{c}{d}{t}".translate(FW),
        f"[{d}-{t}]", f"{d}\u2014{t}", f"{d}{THIN}{t}", f"{d}\ufe63{t}", f"{d}\u2010{t}",
    ]


PNR_TEMPLATES = [
    "Deltagaren {x} ville ha hjälp med ansökan till komvux.",
    "Personnummer {x} skrevs in på närvarolistan av misstag.",
    "Anmälan till läxhjälpen: pnr {x}, kommer på tisdagar.",
    "Hon gav oss sitt personnummer ({x}) för att få låna en dator.",
    "Ny medlem i tjejgruppen, personnr: {x}.",
    "Inför utflykten behövde vi {x} till försäkringen.",
    "Kvitto på aktivitetskortet: {x}, betalt.",
    "Pappan lämnade {x} till fritidsledaren vid entrén.",
    "Bokning av lokalen gjordes med {x} som referens.",
    "Jobbcoachen noterade {x} i ärendet om praktik.",
    "Fotbollsskolan: anmäld {x}, storlek 140 på tröjan.",
    "{x} saknar fortfarande busskort till lägret.",
    "Lärdom: be aldrig om personnummer som {x} på listor som sparas.",
    "Samordningsnummer/personnummer {x} behövdes för bankkontot.",
]
SAM_TEMPLATES = [
    "Nyanländ deltagare med samordningsnummer {x} fick hjälp med Skatteverket.",
    "Samordningsnumret {x} stod på blanketten som lämnades i receptionen.",
    "Han har bara samordningsnummer ({x}) än så länge.",
    "Till ansökan om föreningsbidrag: {x}.",
    "Deltagaren {x} väntar på personnummer.",
]

prefixes = ["070", "072", "073", "076", "079"]


def mobile():
    p = rng.choice(prefixes)
    r = f"{rng.randint(0, 9999999):07d}"
    return p, r


def mobile_forms(p, r):
    a, b, c = r[:3], r[3:5], r[5:]
    n = p[1:]
    return [
        f"{p}-{a} {b} {c}", f"{p}{r}", f"{p} {a} {b} {c}", f"{p}/{a} {b} {c}", f"({p}) {a} {b} {c}",
        f"{p} - {a} {b} {c}", f"{p}.{a}.{b}.{c}", f"+46 {n} {a} {b} {c}", f"+46(0){n}-{a} {b} {c}",
        f"+46 (0){n} {a} {b} {c}", f"0046 {n} {a} {b} {c}", f"+46{n}{r}", f"{p}-{r}",
        f"{p}{NBSP}{a}{NBSP}{b}{NBSP}{c}", f"{p}-{a}{NNBSP}{b}{NNBSP}{c}", f"{p}-{a} {b} {c}".translate(FW),
        f"{p}\u2011{a} {b} {c}", f"{p}\u2013{a} {b} {c}", f"{p} – {a} {b} {c}", f"+46-{n}-{a} {b} {c}",
        f"{p}-{a}{THIN}{b}{THIN}{c}", f"+46 (0) {n} - {a} {b} {c}", f"{p} {a[:2]} {a[2:]}{b} {c}",
    ]


def landline_forms():
    out = []
    for _ in range(2):
        r8 = f"{rng.randint(0, 99999999):08d}"
        r7 = f"{rng.randint(0, 9999999):07d}"
        r6 = f"{rng.randint(100000, 999999)}"
        r5 = f"{rng.randint(10000, 99999)}"
        area = rng.choice(["031", "040", "018", "019", "016", "013", "011", "026", "060", "090"])
        area4 = rng.choice(["0480", "0921", "0570", "0141", "0220", "0322", "0454"])
        out += [
            f"08-{r8[:3]} {r8[3:6]} {r8[6:]}", f"08-{r7[:3]} {r7[3:5]} {r7[5:]}", f"08 {r8[:3]} {r8[3:6]} {r8[6:]}",
            f"08-{r8[:2]} {r8[2:4]} {r8[4:6]} {r8[6:]}", f"(08) {r8[:3]} {r8[3:6]} {r8[6:]}",
            f"08/{r7[:3]} {r7[3:5]} {r7[5:]}", f"+46 8 {r8[:3]} {r8[3:6]} {r8[6:]}",
            f"+46 (0)8-{r7[:3]} {r7[3:5]} {r7[5:]}", f"{area}-{r6[:2]} {r6[2:4]} {r6[4:]}",
            f"{area}-{r7[:3]} {r7[3:5]} {r7[5:]}", f"{area} {r6[:2]} {r6[2:4]} {r6[4:]}",
            f"{area}/{r6[:2]} {r6[2:4]} {r6[4:]}", f"+46 {area[1:]} {r6[:2]} {r6[2:4]} {r6[4:]}",
            f"{area4}-{r5[:3]} {r5[3:]}", f"{area4}-{r6[:2]} {r6[2:4]} {r6[4:]}", f"({area}) {r6}",
            f"{area}{NBSP}{r6[:2]}{NBSP}{r6[2:4]}{NBSP}{r6[4:]}", f"{area}\u2011{r6}", f"0046 {area[1:]} {r6}",
            f"{area}.{r6[:2]}.{r6[2:4]}.{r6[4:]}",
        ]
    return out


PHONE_TEMPLATES = [
    "Ring {x} om du vill anmäla dig till simskolan.",
    "Mammans nummer {x} står på listan vid entrén.",
    "Kontakta honom på {x} efter klockan 17.",
    "Vi fick tel. {x} till tjejen som vill bli volontär.",
    "Mobil: {x}",
    "Skicka sms till {x} så kommer hon.",
    "Nummer till praktikplatsen: {x} (fråga efter chefen).",
    "Anhörig nås på {x} vid akuta fall.",
    "Lämna besked på telefon {x} senast fredag.",
    "Hennes nya nummer är {x}, det gamla funkar inte.",
    "Tel {x}, ring helst på kvällen.",
    "Läxhjälpen: pappan vill bli uppringd på {x}.",
]

first = ["anna", "lisa", "ali", "sara", "erik", "mohammed", "fatima", "johan", "emma", "omar", "karin", "leila",
         "per", "amina", "jonas", "zeynep", "noah", "elin", "hassan", "maja"]
last = ["svensson", "andersson", "karlsson", "hassan", "nilsson", "ali", "lindqvist", "berg", "yilmaz", "persson"]
domains = ["gmail.com", "hotmail.com", "outlook.com", "telia.com", "yahoo.se", "live.se", "icloud.com",
           "skola.sodertalje.se", "telgebostader.se", "example.se", "x.se", "mail.bredband.net"]


def email():
    f, l = rng.choice(first), rng.choice(last)
    local = rng.choice([f"{f}.{l}", f"{f}{l}", f"{f}_{l}", f"{f}{rng.randint(1, 99)}", f"{f[0]}{l}",
                        f"{f}.{l}+labb", f"{f}-{l}"])
    return f"{local}@{rng.choice(domains)}"


def email_forms(e):
    local, domain = e.split("@")
    return [
        e, f"mailto:{e}", f"e-post:{e}", f"E-post: {e}", f"epost:{e}", f"mejl:{e}", f"Mejl: {e}", f"[{e}]",
        f"”{e}”", f"“{e}”", f"«{e}»", f"<{e}>", f"({e})", f"'{e}'", f"\"{e}\"", f"„{e}“", f"‘{e}’",
        f"{local}\uff20{domain}", e.upper(), f"{local} (at) {domain}", f"{local}[at]{domain}", f"mail: <{e}>",
        f"mailto:{e}?subject=Läxhjälp", f"e-mail:{e}", f"{e}.",
    ]


EMAIL_TEMPLATES = [
    "Skicka programmet till {x} så sprider hon det.",
    "Hennes mejl är {x} om någon vill nå henne.",
    "Volontären vill ha info på {x}",
    "Kontakt: {x}",
    "Föräldern skrev upp sig för nyhetsbrevet med {x}.",
    "Bilderna från kvällen mejlades till {x} efteråt.",
    "Anmälan till sommarjobbet kom från {x} i går.",
    "Svara {x} om lokalen på lördag.",
    "Tränaren nås via {x} eller på plats.",
    "Lärdom: samla inte in adresser som {x} på papperslistor.",
]


def fill(templates, xs):
    return [rng.choice(templates).format(x=x) for x in xs]


positives = []
# Exactly the forms listed in issue #19, first.
issue = [
    ("personnummer", "Deltagare 811218.9876 kom sent."), ("personnummer", "Deltagare 811218/9876 kom sent."),
    ("personnummer", "Deltagare 811218 – 9876 kom sent."), ("personnummer", "Deltagare 811218\u20119876 kom sent."),
    ("personnummer", "Deltagare ８１１２１８－９８７６ kom sent."), ("personnummer", "Deltagare 8112 18-9876 kom sent."),
    ("mobil", "Ring 070/123 45 67 i morgon."), ("mobil", "Ring (070) 123 45 67 i morgon."),
    ("mobil", "Ring 070 - 123 45 67 i morgon."), ("mobil", "Ring 070.123.45.67 i morgon."),
    ("mobil", "Ring +46(0)70-123 45 67 i morgon."), ("mobil", f"Ring 070{NBSP}123{NBSP}45{NBSP}67 i morgon."),
    ("epost", "Skriv till mailto:a@x.se om du kan."), ("epost", "Skriv till e-post:a@x.se om du kan."),
    ("epost", "Skriv till [a@x.se] om du kan."), ("epost", "Skriv till ”a@x.se” om du kan."),
]
positives += issue
for i in range(7):
    year, ten = personnummer()
    forms = pnr_forms(year, ten)
    positives += [("personnummer", t) for t in fill(PNR_TEMPLATES, forms)]
for i in range(3):
    year, ten = personnummer(samordning=True)
    forms = rng.sample(pnr_forms(year, ten), 12)
    positives += [("samordningsnummer", t) for t in fill(SAM_TEMPLATES, forms)]
for i in range(4):
    p, r = mobile()
    positives += [("mobil", t) for t in fill(PHONE_TEMPLATES, mobile_forms(p, r))]
positives += [("fast", t) for t in fill(PHONE_TEMPLATES, landline_forms())]
for i in range(3):
    positives += [("epost", t) for t in fill(EMAIL_TEMPLATES, email_forms(email()))]

# Ordinary activity notes and lessons: everything a note is full of, and no personal data.
places = ["Lina Hage mötesplats", "Rannebergens bibliotek", "fritidsgården", "Portalen", "Hovsjö träffpunkt",
          "Gavlegårdarnas lokal", "Vivalla centrum", "Hagaskolans matsal", "Svenska kyrkans församlingshem",
          "Mitthems kvarterslokal", "Bodenbos samlingslokal"]
towns = [("151 38", "Södertälje"), ("702 10", "Örebro"), ("961 36", "Boden"), ("803 20", "Gävle"),
         ("163 70", "Spånga"), ("424 32", "Angered"), ("145 60", "Norsborg"), ("852 30", "Sundsvall")]
months = ["januari", "februari", "mars", "april", "maj", "juni", "augusti", "september", "oktober", "november",
          "december"]


def date_iso():
    return f"20{rng.randint(24, 27)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def clock():
    h = rng.randint(8, 19)
    m = rng.choice(["00", "15", "30", "45"])
    return h, m


def range_forms():
    h1, m1 = clock()
    h2 = min(h1 + rng.randint(1, 4), 23)
    m2 = rng.choice(["00", "30"])
    return [f"{h1}.{m1}–{h2}.{m2}", f"{h1:02d}.{m1}-{h2:02d}.{m2}", f"{h1}:{m1}-{h2}", f"{h1}–{h2}",
            f"{h1:02d}:{m1}–{h2:02d}:{m2}", f"{h1}-{h2}", f"{h1:02d}.{m1}", f"{h1}.{m1} - {h2}.{m2}",
            f"{h1}\u2013{h2}", f"0{rng.randint(8, 9)}.{m1}–{h2}.{m2}"]


def money():
    n = rng.choice([150, 350, 1250, 2500, 4800, 12000, 45000, 120000, 8500, 600])
    s = f"{n:,}".replace(",", rng.choice([" ", NBSP, NNBSP]))
    return rng.choice([f"{s} kr", f"{s}:-", f"{s} kronor", f"{s} SEK", f"{n} kr"])


def orgnr():
    while True:
        nine = f"{rng.choice('25789')}{rng.randint(0, 9)}{rng.randint(2, 9)}{rng.randint(0, 999999):06d}"
        ten = nine + luhn_digit(nine)
        return rng.choice([f"{ten[:6]}-{ten[6:]}", ten, f"16{ten[:6]}-{ten[6:]}"])


NEG_TEMPLATES = [
    lambda: f"Öppet hus {date_iso()} kl. {rng.choice(range_forms())}, {rng.randint(12, 60)} besökare varav {rng.randint(2, 11)} nya.",
    lambda: f"Läxhjälp {rng.randint(1, 28)}/{rng.randint(1, 12)}: {rng.randint(3, 25)} elever, {rng.randint(1, 4)} volontärer, {rng.choice(range_forms())}.",
    lambda: f"Fotboll i hallen {rng.choice(range_forms())}. {rng.randint(8, 30)} killar och {rng.randint(2, 15)} tjejer, 13–15 år.",
    lambda: f"Tjejgruppen träffades {rng.randint(1, 28)}.{rng.randint(1, 12)}.20{rng.randint(24, 26)}; {rng.randint(4, 14)} deltagare, 3 av dem för första gången.",
    lambda: f"Vi köpte fika för {money()} och pingisbollar för {money()}.",
    lambda: f"Hyran för lokalen är {money()} per månad, budget {money()} för hela {rng.randint(2024, 2027)}.",
    lambda: f"Samling i rum {rng.randint(100, 450)} på {rng.choice(places)}, kl. {rng.choice(range_forms())}.",
    lambda: f"Postadress till kontoret: Box {rng.randint(10, 999)}, {' '.join(rng.choice(towns))}.",
    lambda: f"Föreningen har organisationsnummer {orgnr()} och bankgiro {rng.randint(100, 9999)}-{rng.randint(1000, 9999)}.",
    lambda: f"Fakturan till {rng.choice(['Telge Bostäder', 'Örebrobostäder', 'Gavlegårdarna', 'Mitthem'])} (org.nr {orgnr()}) skickades {date_iso()}.",
    lambda: f"Åldersgrupper: 0-5, 6-12, 13-15, 16-19 år. Flest i 6–12 ({rng.randint(10, 40)} st).",
    lambda: f"Kvällen {rng.randint(1, 28)} {rng.choice(months)}: {rng.randint(20, 90)} besök, {rng.randint(10, 60)} % tjejer, {rng.randint(1, 9)},{rng.randint(1, 9)} personaltimmar.",
    lambda: f"Lärdom: affischer på {rng.randint(2, 6)} språk gav {rng.randint(10, 45)} % fler besök mellan v. {rng.randint(2, 20)} och v. {rng.randint(21, 40)}.",
    lambda: f"Lärdom: börja kl. {rng.choice(range_forms())} i stället, då hinner fler komma efter skolan.",
    lambda: f"Sommarlovsaktiviteter {date_iso()}–{date_iso()}, totalt {rng.randint(80, 400)} deltagare.",
    lambda: f"Nästa möte {date_iso()} {rng.choice(range_forms())} i {rng.choice(places)}.",
    lambda: f"Resultat {rng.randint(2019, 2025)}: {rng.randint(100, 900)} besök; {rng.randint(2020, 2026)}: {rng.randint(100, 900)} besök.",
    lambda: f"Matchen slutade {rng.randint(0, 6)}–{rng.randint(0, 6)} och {rng.randint(10, 30)} föräldrar tittade på.",
    lambda: f"Busskort för {rng.randint(3, 20)} personer à {rng.choice([32, 45, 60])} kr till utflykten den {rng.randint(1, 28)}/{rng.randint(1, 12)}.",
    lambda: f"Biblioteket har öppet {rng.choice(range_forms())} på vardagar och {rng.choice(range_forms())} på lördagar.",
    lambda: f"Vi var {rng.randint(3, 12)} personal och {rng.randint(2, 8)} volontärer; {rng.randint(20, 120)} timmar totalt under {rng.choice(months)}.",
    lambda: f"Lokalen på plan {rng.randint(1, 4)}, lgh {rng.randint(1001, 1404)} är vårt förråd; nyckel nr {rng.randint(1, 40)}.",
    lambda: f"Swish till föreningen: 123 {rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}, {money()} per termin.",
    lambda: f"Ring 112 vid nödläge och 1177 för vårdråd; 114 14 till polisen om det inte är akut.",
    lambda: f"Ombyggnaden pågår {date_iso()} till {date_iso()}, vi flyttar till {rng.choice(places)} under tiden.",
    lambda: f"Snabbfrågan: {rng.randint(5, 30)} ja, {rng.randint(0, 10)} kanske, {rng.randint(0, 8)} nej ({rng.randint(40, 95)} % kände sig trygga).",
    lambda: f"Vecka {rng.randint(1, 52)}: måndag {rng.randint(5, 40)}, tisdag {rng.randint(5, 40)}, onsdag {rng.randint(5, 40)}, torsdag {rng.randint(5, 40)} besök.",
    lambda: f"Grillkväll för {rng.randint(30, 150)} boende; {rng.randint(5, 20)} kg korv och {rng.randint(2, 10)} lådor dricka.",
    lambda: f"Besöksmålet {rng.randint(25, 60)} per vecka nåddes {rng.randint(2, 12)} av {rng.randint(13, 20)} veckor under {rng.randint(2023, 2026)}.",
    lambda: f"Vi lånade {rng.randint(2, 30)} stolar från {rng.choice(places)} ({' '.join(rng.choice(towns))}).",
    lambda: f"Simskolan {rng.randint(1, 28)}/{rng.randint(1, 12)}–{rng.randint(1, 28)}/{rng.randint(1, 12)}, {rng.choice(range_forms())}, {rng.randint(6, 16)} barn 6–9 år.",
    lambda: f"Ärende {rng.randint(2024, 2026)}/{rng.randint(100, 9999)} hos kommunen gäller bidraget på {money()}.",
    lambda: f"Max {rng.randint(10, 30)} deltagare per grupp, åldersgräns {rng.randint(12, 16)} år.",
    lambda: f"Kl {rng.randint(8, 10):02d}-{rng.randint(11, 12)} och {rng.randint(13, 14)}-{rng.randint(15, 17)} var det fullt i datorhörnan.",
    lambda: f"Tider: {rng.randint(8, 9):02d}.00-{rng.randint(10, 12)}.00 {rng.randint(13, 14)}.00-{rng.randint(15, 17)}.00, paus {rng.randint(12, 12)}.00–{rng.randint(12, 13)}.30.",
    lambda: f"Tävlingen: {rng.randint(1, 9)} 0{rng.randint(1, 9)} 0{rng.randint(1, 9)} poäng i rond 1–3, vinnare lag {rng.randint(1, 6)}.",
    lambda: f"Elräkningen för {rng.choice(months)} var {rng.randint(1, 9)} {rng.randint(100, 999)},{rng.randint(10, 99)} kr inkl. moms.",
    lambda: f"Lärdom från {rng.randint(2019, 2025)}: {rng.randint(3, 9)} av {rng.randint(10, 15)} aktiviteter med skolan lockade fler än {rng.randint(20, 40)}.",
    lambda: f"Träffpunkten fyller {rng.randint(2, 30)} år den {rng.randint(1, 28)} {rng.choice(months)}!",
    lambda: f"Buss {rng.randint(700, 799)} från {rng.choice(towns)[1]} går {rng.randint(10, 22)}.{rng.choice(['05', '20', '35', '50'])}, resan tar {rng.randint(10, 45)} min.",
]

negatives = []
fixed_negatives = [
    "Datum 2026-03-12, kl. 17.00–21.00, 14 deltagare.",
    "Mötet 12/3 flyttas till 19/3 kl 17:30-19.",
    "Vi ses 12.3.2026 i lokalen, rum 204.",
    "3 av 12 var nya, resten har varit här förut.",
    "Entré 1 250 kr för hela gruppen, fika 2 500:- totalt.",
    "Adress för post: 151 38 Södertälje.",
    "Föreningens org.nr 556677-8899.",
    "Bolaget har organisationsnummer 802480-1234 enligt avtalet.",
    "Telefonnumret 070-123 var ofullständigt, så ingen ringde.",
    "Lokalen har nummer 0123 på skylten.",
    "Öppet 08.30–10.00 och 13.00–16.00.",
    "Åldrar 0-5 6-12 13-15 år, fördelning i tabellen.",
    "Perioden 2026-03-05–2026-04-05 räknades som vårterminen.",
    "Kl 08-10 13-15 är det läxhjälp.",
    "Siffrorna 12 15 17 20 22 är besök per kväll.",
    "Mellan 2019 och 2025 växte besöken med 40 %.",
    "Vi var 12 personer, 3 nya, kl 18-21.",
    "12 besök, 45 minuter i snitt.",
    "Träff @ biblioteket på torsdag.",
    "Hashtaggen #labbet2026 och kontot @labbet på Instagram.",
    "Röda Korset (3), Svenska kyrkan (2) och fritidsgården (5) var med på mässan.",
    "Lina Hage mötesplats har funnits i 10 år och firade med tårta.",
    "Max 15 år för att få vara med i kvällsgruppen.",
    "Fotbollen (12) och pingisen (4) lockade flest, brädspelen (2) minst.",
    "Tjejgruppen (14) träffas på tisdagar i biblioteket.",
    "Fritidsledaren och bovärden gick runt i området mellan 19 och 22.",
    "Många föräldrar frågade om simskolan, vi hänvisade till kommunens hemsida.",
    "Lärdom: en fast tid varje vecka är viktigare än ett fint program.",
    "Lärdom: fråga ungdomarna själva vad de vill göra, det gav tre nya aktiviteter.",
    "Lärdom: samarbetet med skolan fungerade bäst när kuratorn var med från början.",
    "Lärdom: bjud på mat, då kommer hela familjer och inte bara barnen.",
    "Lärdom: skriv aldrig namn eller nummer i anteckningarna, bara antal.",
    "Ungdomarna önskade längre öppettider på fredagar, 18–23 i stället för 18–21.",
    "Polisen och socialtjänsten var med på trygghetsvandringen, 14 boende deltog.",
    "Områdesutvecklaren från Telge Bostäder presenterade planerna för gården.",
    "Vi provade att ha öppet på söndag 14.00–17.00, 9 kom.",
    "Barn 6 år och uppåt fick vara med på pysslet, yngre med vuxen.",
    "Ungdomar 13-15 år dominerade, 16–19 år var bara 4.",
    "Stickcaféet samlade 11 äldre, flera har varit med sedan 2019.",
    "Hyresgästföreningen lånade lokalen 2026-05-14 för årsmöte, 38 närvarande.",
    "Inga incidenter i kväll. 22 besök, 5 förstagångsbesök.",
    "Datorhörnan användes mest för CV-skrivande; 6 fick hjälp med Arbetsförmedlingens sidor.",
    "Svenska kyrkan bjöd på soppa, 60 portioner tog slut på 40 minuter.",
    "Vi räknade 104 besök under sportlovet v. 8, mot 86 i fjol.",
    "Kostnaden per deltagare blev ungefär 45 kr.",
    "Rummet 1.12 på andra våningen fungerar bäst för läxhjälp.",
    "Utlåning: 3 bollar, 2 rack och 1 högtalare kom inte tillbaka.",
    "Nästa år vill vi nå 30 % fler tjejer 13–15 år.",
    "Kvällen 31/10 var lugn, 17 besök trots halloween.",
    "Lärdom: affischerna på arabiska, somaliska och tigrinja nådde fler föräldrar.",
    "Vi fick 25 000 kr från kommunens föreningsbidrag för 2026.",
    "Öppettiderna 17.00–21.00 tis–tor gäller från 2026-01-07.",
    "Tränaren från IFK var med, 23 barn 8–11 år.",
    "Lärdom: sms-påminnelsen dagen innan ökade närvaron från 10 till 16.",
    "I fjol 412 besök, i år 538 fram till 30/11.",
    "Temakväll om ekonomi med Konsumentvägledningen, 12 vuxna.",
    "Brandövning kl. 18.15, alla ute på 3 minuter.",
    "Läxhjälpen i matte för åk 7–9 fortsätter på torsdagar 15.30–17.00.",
    "Hälften av besökarna (48 %) kom från Hovsjö, resten från Ronna och Geneta.",
    "Schema lördag: 0930-1130 fotboll, 1200-1400 pingis.",
    "Bord 01 02 03 04 05 var bokade för bingon.",
    "Besök per kväll den veckan: 05 08 12 09 11.",
    "Passen 07.30–09.00 09.00–10.30 var fullbokade.",
    "Datum för simskolan: 05/03 06/03 07/03.",
    "Vi höll till på våningsplan 2, parkeringsplatsen 3 var avstängd.",
]
def category(t):
    return "lärdom" if t.startswith("Lärdom") else "anteckning"


negatives += [(category(t), t) for t in fixed_negatives]
seen = set(fixed_negatives)
while len(negatives) < 420:
    t = rng.choice(NEG_TEMPLATES)()
    if t not in seen:
        seen.add(t)
        negatives.append((category(t), t))

HINTS = [
    ("namn_ålder", "Idag kom Lisa Andersson (14) för första gången."),
    ("namn_ålder", "Idag kom Lisa Andersson 14 år för första gången."),
    ("namn_ålder", "Ali, 15 år, ville prata om sommarjobb."),
    ("namn_ålder", "Vi pratade länge med Zeynep Karlsson (16 år) om skolan."),
    ("namn_ålder", "Mohammed Hassan (17) hjälpte till med grillen."),
    ("namn_ålder", "Emma, 12 år, vann pingisturneringen."),
    ("namn_ålder", "Oskar Nilsson 13 år slog sig på knät."),
    ("namn_ålder", "Sara (9) och hennes bror var med hela kvällen."),
    ("namn_ålder", "Fatima Ali, 16 år, vill bli volontär."),
    ("namn_ålder", "Johan Lindqvist (15) fick varning för bråk."),
    ("namn_ålder", "Noah, 11 år, kom utan förälder."),
    ("namn_ålder", "Amina Yusuf (14 år) tolkade för sin mamma."),
    ("namn_ålder", "Erik Berg (16) var med för första gången."),
    ("namn_ålder", "Maja Persson 10 år tappade sin mobil i hallen."),
    ("namn_ålder", "Elin, 17 år, hjälper till med läxhjälpen."),
    ("namn_ålder", "Jonas Eriksson (13) frågade om fotbollen."),
    ("namn_ålder", "Hassan, 14 år, ville ha hjälp med cv."),
    ("namn_ålder", "Omar Svensson 15 år spelade gitarr."),
    ("namn_ålder", "Leila Andersson (12) vill börja i tjejgruppen."),
    ("namn_ålder", "Karin, 68 år, lär ut stickning på tisdagar."),
    ("adress", "Träffen flyttar till Storgatan 3B."),
    ("adress", "Hon bor på Kyrkvägen 12, lgh 1101."),
    ("adress", "Samling vid Hagagränd 4 klockan fem."),
    ("adress", "Lokalen på Stortorget 2 är bokad."),
    ("adress", "Vi hämtade honom på Lindallén 7 C."),
    ("adress", "Familjen har flyttat till Björkvägen 27."),
    ("adress", "Tjejerna samlas hos en av dem på Drottninggatan 14."),
    ("adress", "Skicka inbjudan till Skolgatan 5A, 151 38 Södertälje."),
    ("adress", "Han bor på Kvarnbacken 9 och går till skolan själv."),
    ("adress", "Grannarna på Ekstigen 11 klagade på ljudet."),
    ("adress", "Festen hölls på Parkvägen 3 i källarlokalen."),
    ("adress", "Mamman bor kvar på storgatan 21b."),
    ("adress", "Utflykten startar från Järnvägsgatan 1."),
    ("adress", "Nyckeln lämnas på Hamngatan 8 D."),
    ("adress", "Deras nya lägenhet ligger på Solslingan 6."),
    ("adress", "Han hälsar från Sjöleden 44."),
    ("adress", "Skadegörelsen var vid Tallstigen 2."),
    ("adress", "Bussen stannar utanför Bergsgränd 10."),
    ("adress", "Vi delade flygblad på Fabriksgatan 19-25."),
    ("adress", "Paketet skickades till Rosenallén 3."),
]


def write(name, header, rows):
    with open(name, "w", encoding="utf-8") as f:
        f.write(header)
        for cat, text in rows:
            assert "\t" not in text and "\n" not in text, text
            f.write(f"{cat}\t{text}\n")


HEAD = "# Generated by generate.py (issue #19), then free to edit by hand. Format: category<TAB>text.\n"
write("positives.txt", HEAD + "# Personal data the guard must find. Categories: personnummer, samordningsnummer, mobil, fast, epost.\n", positives)
write("negatives.txt", HEAD + "# Ordinary notes and lessons: the guard must find nothing, the hints should find nothing.\n", negatives)
write("hints.txt", HEAD + "# Names next to an age and street addresses: the person hints should find each.\n", HINTS)
print(len(positives), "positives,", len(negatives), "negatives,", len(HINTS), "hints")
