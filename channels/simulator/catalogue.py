"""The simulated marketplace's world: carriers, products and French customers to make orders from.

Everything here is static data or a small generator driven by a `random.Random`, so seeded
orders come out the same on every run.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Carrier:
    code: str  # Octopia `GET /carriers` code
    label: str  # Octopia label and Marketplace `Carrier/Name`: what `carrierName` must be
    carrier_id: int  # Marketplace `Carrier/CarrierId`
    default_url: str  # Marketplace `Carrier/DefaultURL`: `{0}` stands for the tracking number

    def tracking_url(self, tracking_number: str) -> str:
        return self.default_url.replace("{0}", tracking_number)


# §O4 and §M5: the carriers a French seller ships with, as both APIs list them.
CARRIERS: tuple[Carrier, ...] = (
    Carrier(
        "COLISSIMO",
        "Colissimo",
        1,
        "http://www.colissimo.fr/portail_colissimo/suivre.do?colispart={0}",
    ),
    Carrier(
        "CHRONOPOST",
        "Chronopost",
        2,
        "http://www.chronopost.fr/fr/chrono_suivi_search?listeNumerosLT={0}",
    ),
    Carrier(
        "LAPOSTE_COURRIER",
        "La Poste - Courrier",
        3,
        "http://www.laposte.fr/outils/suivre-vos-envois?code={0}",
    ),
    Carrier("UPS", "UPS", 4, "http://wwwapps.ups.com/WebTracking/track?track=yes&trackNums={0}"),
    Carrier("DPD", "DPD", 5, "http://www.dpd.fr/traces_{0}"),
    Carrier("GLS", "GLS", 6, "https://gls-group.eu/FR/fr/suivi-colis?match={0}"),
    Carrier(
        "MONDIAL_RELAY",
        "Mondial Relay",
        7,
        "http://www.mondialrelay.fr/suivi-de-colis/?NumeroExpedition={0}",
    ),
    Carrier(
        "RELAIS_COLIS",
        "Relais Colis",
        8,
        "http://www.relaiscolis.com/suivi-de-colis/index.php?valider=OK&typeRecherche=EXP&valeur={0}",
    ),
    Carrier(
        "DHL_EXPRESS",
        "DHL Express",
        9,
        "http://www.dhl.fr/fr/express/suivi_expedition.html?AWB={0}&brand=DHL",
    ),
    Carrier(
        "TNT",
        "TNT",
        10,
        "http://www.tnt.fr/public/suivi_colis/recherche/visubontransport.do?bonTransport={0}",
    ),
)
CARRIERS_BY_LABEL: dict[str, Carrier] = {carrier.label: carrier for carrier in CARRIERS}

# The carriers sellers mostly use, weighted, for orders the simulator ships itself.
_USUAL_CARRIERS = (("Colissimo", 50), ("Chronopost", 12), ("Mondial Relay", 12), ("DPD", 8))
_USUAL_WEIGHTS = tuple(weight for _, weight in _USUAL_CARRIERS)
_USUAL_LABELS = tuple(label for label, _ in _USUAL_CARRIERS)


def tracking_number(rng: random.Random, carrier: Carrier) -> str:
    """A tracking number shaped like that carrier's."""

    def digits(n: int) -> str:
        return "".join(rng.choices(string.digits, k=n))

    if carrier.code == "COLISSIMO":
        return "6A" + digits(11)
    if carrier.code == "LAPOSTE_COURRIER":
        return "1K" + digits(11)
    if carrier.code == "CHRONOPOST":
        return "".join(rng.choices(string.ascii_uppercase, k=2)) + digits(9) + "FR"
    if carrier.code == "UPS":
        return "1Z" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=6)) + digits(10)
    if carrier.code == "DPD":
        return "250" + digits(11)
    if carrier.code in ("DHL_EXPRESS", "RELAIS_COLIS"):
        return digits(10)
    if carrier.code == "GLS":
        return digits(11)
    return digits(8 if carrier.code == "MONDIAL_RELAY" else 9)


def usual_carrier(rng: random.Random) -> Carrier:
    return CARRIERS_BY_LABEL[rng.choices(_USUAL_LABELS, weights=_USUAL_WEIGHTS)[0]]


# Products


def ean13(first_twelve: str) -> str:
    """The EAN-13 with its check digit (weights 1, 3, 1, 3, ... from the left)."""
    total = sum(int(digit) * (3 if i % 2 else 1) for i, digit in enumerate(first_twelve))
    return first_twelve + str((10 - total % 10) % 10)


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    ean: str
    price: Decimal  # unit price, VAT included
    shipping: Decimal  # shipping charges for the first unit
    additional_shipping: Decimal  # for each further unit
    category: str  # Marketplace `CategoryCode`


# sku | unit price | first-unit shipping | each further unit | Marketplace category | name
_PRODUCT_TABLE = """
BOUIL-17-INOX      |  34.90 | 5.90 | 2.00 | 0D0A | Bouilloire électrique 1,7 L inox
CAFET-PIST-8       |  24.90 | 4.90 | 1.50 | 0D0A | Cafetière à piston 8 tasses verre et inox
POELE-28-ANTI      |  29.99 | 4.90 | 1.50 | 0D0B | Poêle antiadhésive 28 cm tous feux
VERRES-PIED-6      |  19.90 | 6.90 | 3.00 | 0D0C | Set de 6 verres à pied 35 cl
ROBOT-PAT-1000     | 149.00 | 9.90 | 5.00 | 0D0A | Robot pâtissier 1000 W bol 5 L
LAMPE-CHEVET-CER   |  39.90 | 5.90 | 2.50 | 0E0A | Lampe de chevet en céramique blanc mat
PLAID-POL-130      |  17.99 | 4.90 | 1.50 | 0E0B | Plaid polaire 130 × 170 cm gris chiné
TAIE-SAT-65        |  21.50 | 3.90 | 1.00 | 0E0B | Taies d'oreiller satin 65 × 65 cm (lot de 2)
RIDEAU-LIN-140     |  27.90 | 4.90 | 1.50 | 0E0C | Rideau voilage effet lin 140 × 260 cm
COUSSIN-VEL-45     |  15.90 | 3.90 | 1.00 | 0E0B | Coussin velours côtelé 45 × 45 cm terracotta
CABLE-USBC-2M      |  12.99 | 2.90 | 0.50 | 0A0B | Câble USB-C vers USB-C 2 m tressé 100 W
CHARG-20W-USBC     |  16.90 | 2.90 | 0.50 | 0A0B | Chargeur secteur USB-C 20 W charge rapide
CASQUE-BT-PLI      |  59.90 | 4.90 | 2.00 | 0A0C | Casque audio Bluetooth pliable réduction de bruit
ENCEINTE-BT-10W    |  32.90 | 4.90 | 2.00 | 0A0C | Enceinte Bluetooth étanche 10 W
MONTRE-SPORT-GPS   |  89.00 | 4.90 | 2.00 | 0A0D | Montre connectée sport GPS cardio
AMPOULE-E27-9W-4   |  11.90 | 3.90 | 1.00 | 0A0E | Ampoule LED E27 9 W blanc chaud (lot de 4)
PERCEUSE-18V       |  79.90 | 7.90 | 4.00 | 0F0A | Perceuse-visseuse sans fil 18 V avec 2 batteries
COFFRET-EMBOUTS-32 |  14.90 | 3.90 | 1.00 | 0F0A | Coffret de 32 embouts de vissage
ARROSOIR-10L       |  22.90 | 6.90 | 3.00 | 0F0B | Arrosoir galvanisé 10 L
SECATEUR-FORGE     |  18.50 | 3.90 | 1.00 | 0F0B | Sécateur de jardin lames forgées
TAPIS-YOGA-6MM     |  24.90 | 4.90 | 2.00 | 0G0A | Tapis de yoga antidérapant 6 mm
GOURDE-ISO-750     |  19.90 | 3.90 | 1.00 | 0G0A | Gourde isotherme inox 750 ml
SAC-RANDO-30L      |  44.90 | 5.90 | 2.50 | 0G0B | Sac à dos de randonnée 30 L imperméable
HALTERES-2X5KG     |  36.90 | 9.90 | 6.00 | 0G0A | Paire d'haltères néoprène 2 × 5 kg
BROSSE-DENTS-ELEC  |  39.99 | 3.90 | 1.00 | 0H0A | Brosse à dents électrique rechargeable
SECHE-CHEV-2200    |  34.50 | 4.90 | 2.00 | 0H0A | Sèche-cheveux ionique 2200 W
PUZZLE-1000-PROV   |  14.99 | 3.90 | 1.00 | 0J0A | Puzzle 1000 pièces « Lavandes de Provence »
JEU-CARTES-EDU     |   9.90 | 2.90 | 0.50 | 0J0A | Jeu de cartes « Les départements de France »
PELUCHE-HERISSON   |  16.90 | 3.90 | 1.00 | 0J0B | Peluche hérisson 25 cm
CAHIERS-A4-5       |   8.95 | 3.90 | 1.00 | 0J0C | Cahiers A4 grands carreaux 96 pages (lot de 5)
"""


def _products(table: str) -> tuple[Product, ...]:
    products = []
    for item, row in enumerate(table.strip().splitlines(), start=1):
        sku, price, shipping, extra, category, name = (cell.strip() for cell in row.split("|"))
        # 376 is a GS1 France prefix; a maker number and the item number fill the twelve digits.
        products.append(
            Product(
                sku=sku,
                name=name,
                ean=ean13(f"37645270{item * 37:04d}"),
                price=Decimal(price),
                shipping=Decimal(shipping),
                additional_shipping=Decimal(extra),
                category=category,
            )
        )
    return tuple(products)


PRODUCTS: tuple[Product, ...] = _products(_PRODUCT_TABLE)

# The EANs of
# docs/cdiscount-api.md's own examples (§O5, §M6), so its sample offers are accepted too.
SPEC_EXAMPLE_EANS: tuple[str, ...] = ("3760452700039", "3760452700046")
# The products Cdiscount knows for every seller: an offer may only be put on one of these.
KNOWN_EANS: frozenset[str] = frozenset(product.ean for product in PRODUCTS) | frozenset(
    SPEC_EXAMPLE_EANS
)


def cdiscount_sku(ean: str) -> str:
    """Cdiscount's own product reference for an EAN (Marketplace `Sku` / `ProductId`)."""
    return f"AUC{ean}"


# Customers

MALE_FIRST_NAMES = (
    "Jérôme", "Loïc", "Théo", "Gaël", "Benoît", "Raphaël", "Mathéo", "Sébastien", "Frédéric",
    "François", "Noël", "Hervé", "Jean-Marc", "Clément", "Aurélien", "Hugo", "Lucas", "Stéphane",
)  # fmt: skip
FEMALE_FIRST_NAMES = (
    "Hélène", "Françoise", "Anaïs", "Noémie", "Cécile", "Zoé", "Léa", "Chloé", "Maëlys", "Inès",
    "Élodie", "Mélanie", "Agnès", "Solène", "Aurélie", "Manon", "Camille", "Béatrice",
)  # fmt: skip
LAST_NAMES = (
    "Lefèvre", "Dupré", "Gérard", "Bérenger", "Lemaître", "Mercier", "Fontaine", "Chevalier",
    "Rousseau", "Girard", "Faure", "André", "Gauthier", "Perrin", "Boyer", "Moulin", "Leroy",
    "Bénard", "Ménard", "Lacroix", "Brûlé", "Delacôte", "Le Goff", "N'Diaye", "Da Silva",
    "Pécresse", "Lévêque", "Thébault", "Côté", "Hébert", "Besnard", "Marchand", "Rivière",
)  # fmt: skip
STREETS = (
    "rue de la République", "avenue Jean-Jaurès", "boulevard Saint-Michel", "rue des Écoles",
    "place du Général-de-Gaulle", "chemin des Églantiers", "allée des Châtaigniers",
    "impasse de la Fontaine", "rue du Château", "quai de la Loire", "rue Émile-Zola",
    "avenue de la Libération", "rue des Prés-Fleuris", "boulevard Haussmann", "rue Pasteur",
    "route de Besançon", "rue de l'Église", "cours Mirabeau", "rue Sainte-Catherine",
    "avenue Maréchal-Foch", "rue du Moulin-à-Vent", "chemin de la Côte-Rôtie",
)  # fmt: skip
# Real postal code and commune pairs: mind the leading zeros and the accents.
CITIES = (
    ("75011", "Paris"), ("75015", "Paris"), ("69003", "Lyon"), ("13006", "Marseille"),
    ("31000", "Toulouse"), ("06000", "Nice"), ("44000", "Nantes"), ("67000", "Strasbourg"),
    ("34000", "Montpellier"), ("33000", "Bordeaux"), ("59000", "Lille"), ("35000", "Rennes"),
    ("42000", "Saint-Étienne"), ("38000", "Grenoble"), ("21000", "Dijon"), ("49000", "Angers"),
    ("30000", "Nîmes"), ("63000", "Clermont-Ferrand"), ("37000", "Tours"), ("87000", "Limoges"),
    ("01000", "Bourg-en-Bresse"), ("06400", "Cannes"), ("04000", "Digne-les-Bains"),
    ("76000", "Rouen"), ("14000", "Caen"), ("45000", "Orléans"), ("13100", "Aix-en-Provence"),
    ("73000", "Chambéry"), ("03100", "Montluçon"), ("02100", "Saint-Quentin"),
    ("60200", "Compiègne"), ("85000", "La Roche-sur-Yon"), ("24000", "Périgueux"),
    ("08000", "Charleville-Mézières"), ("19100", "Brive-la-Gaillarde"), ("88000", "Épinal"),
    ("61000", "Alençon"), ("71100", "Chalon-sur-Saône"), ("68100", "Mulhouse"),
    ("92100", "Boulogne-Billancourt"), ("94000", "Créteil"), ("78000", "Versailles"),
    ("29200", "Brest"), ("64000", "Pau"), ("17000", "La Rochelle"), ("74000", "Annecy"),
)  # fmt: skip
# Landline area codes by the first digit of the postal code's department (01 Paris region ...).
_AREA_CODES = {"7": "01", "9": "01", "1": "04", "0": "04", "2": "03", "3": "05", "4": "02",
               "5": "03", "6": "04", "8": "03"}  # fmt: skip
_ADDRESS_EXTRAS = ("Bâtiment B", "Résidence Les Tilleuls", "Appartement 12", "3e étage gauche")
_INSTRUCTIONS = ("Digicode 4521A", "Laisser au gardien", "Sonner chez M. Rivière")


def customer(rng: random.Random) -> dict[str, str | None]:
    """A French customer and their address (billing and shipping alike)."""
    female = rng.random() < 0.55
    first = rng.choice(FEMALE_FIRST_NAMES if female else MALE_FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    postal_code, city = rng.choice(CITIES)
    number = rng.randint(1, 140)
    suffix = rng.choices(("", " bis", " ter"), weights=(90, 7, 3))[0]
    mobile = "0" + rng.choice("67") + "".join(rng.choices(string.digits, k=8))
    landline = _AREA_CODES[postal_code[0]] + "".join(rng.choices(string.digits, k=8))
    return {
        "civility": ("MRS" if rng.random() < 0.85 else "MISS") if female else "MR",
        "first_name": first,
        "last_name": last,
        "company_name": rng.choice(("SARL Atelier Dupré", "Cabinet Lemaître"))
        if rng.random() < 0.04
        else None,
        "street": f"{number}{suffix} {rng.choice(STREETS)}",
        "address_line2": rng.choice(_ADDRESS_EXTRAS) if rng.random() < 0.2 else None,
        "instructions": rng.choice(_INSTRUCTIONS) if rng.random() < 0.1 else None,
        "postal_code": postal_code,
        "city": city,
        "country": "FR",
        "mobile": mobile,
        "phone": landline if rng.random() < 0.3 else None,
        # Cdiscount never gives the customer's own address: it relays through an alias.
        "email": f"{rng.getrandbits(64):016x}@clients.cdiscount.com",
        "customer_id": str(rng.randint(10_000_000, 99_999_999)),
    }
