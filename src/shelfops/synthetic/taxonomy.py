"""The merchandise taxonomy and the store geography the generator draws from.

Pure data: departments, categories with their economics and seasonality, supplier name
parts and US cities with their IANA time zones. Keeping it apart from the random code
makes it easy to review whether the numbers are plausible.
"""

from __future__ import annotations

from dataclasses import dataclass

# Day-of-week demand shapes, Monday first. Food shopping peaks on Friday/Saturday;
# general merchandise is even more weekend-heavy; household and health flatter.
# They are normalised to mean 1 where they are used, so only the shape matters.
_GROCERY_WEEK = (0.88, 0.84, 0.88, 0.95, 1.12, 1.27, 1.06)
_HOUSEHOLD_WEEK = (0.92, 0.90, 0.92, 0.97, 1.08, 1.20, 1.01)
_GENERAL_WEEK = (0.80, 0.78, 0.80, 0.90, 1.10, 1.45, 1.17)


@dataclass(frozen=True)
class CategorySpec:
    """Economics and demand shape of one category."""

    name: str
    department: str
    weight: float
    """Relative share of the assortment."""
    price_range: tuple[float, float]
    """Regular shelf price range in USD at the start of history."""
    cost_ratio_range: tuple[float, float]
    """Unit cost as a share of the regular price (1 - gross margin)."""
    pack_sizes: tuple[int, ...]
    median_daily_units: float
    """Typical mean units per store-day for an ordinary (not slow-moving) SKU."""
    yearly_amplitude: float
    """Relative swing of the smooth annual curve (0.3 → ±30 %)."""
    peak_day_of_year: int
    """Day of year (1-366) at which the annual curve peaks."""
    holiday_sensitivity: float
    """Scales the generic holiday lift: 0 ignores holidays, 1.5 reacts 50 % more."""
    weekly_profile: tuple[float, float, float, float, float, float, float]
    items: tuple[str, ...]
    sizes: tuple[str, ...]


CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec(
        name="Dairy",
        department="Grocery",
        weight=1.2,
        price_range=(1.29, 7.99),
        cost_ratio_range=(0.65, 0.8),
        pack_sizes=(6, 12),
        median_daily_units=6.0,
        yearly_amplitude=0.06,
        peak_day_of_year=350,
        holiday_sensitivity=1.0,
        weekly_profile=_GROCERY_WEEK,
        items=(
            "Whole Milk",
            "2% Milk",
            "Greek Yogurt",
            "Cheddar Cheese",
            "Butter",
            "Cream Cheese",
            "Sour Cream",
            "Shredded Mozzarella",
            "Large Eggs",
            "Oat Milk",
        ),
        sizes=("8 oz", "16 oz", "32 oz", "half gal", "1 gal", "12 ct"),
    ),
    CategorySpec(
        name="Bakery",
        department="Grocery",
        weight=0.8,
        price_range=(1.99, 6.99),
        cost_ratio_range=(0.45, 0.6),
        pack_sizes=(6, 12),
        median_daily_units=5.0,
        yearly_amplitude=0.08,
        peak_day_of_year=330,
        holiday_sensitivity=1.3,
        weekly_profile=_GROCERY_WEEK,
        items=(
            "Sourdough Loaf",
            "Whole Wheat Bread",
            "Bagels",
            "Croissants",
            "Dinner Rolls",
            "Blueberry Muffins",
            "Tortillas",
            "Hamburger Buns",
        ),
        sizes=("6 ct", "8 ct", "12 ct", "20 oz", "24 oz"),
    ),
    CategorySpec(
        name="Produce",
        department="Grocery",
        weight=1.1,
        price_range=(0.79, 5.99),
        cost_ratio_range=(0.5, 0.7),
        pack_sizes=(10, 20, 24),
        median_daily_units=8.0,
        yearly_amplitude=0.15,
        peak_day_of_year=200,
        holiday_sensitivity=1.0,
        weekly_profile=_GROCERY_WEEK,
        items=(
            "Bananas",
            "Gala Apples",
            "Baby Spinach",
            "Strawberries",
            "Avocados",
            "Russet Potatoes",
            "Yellow Onions",
            "Baby Carrots",
            "Romaine Hearts",
            "Blueberries",
        ),
        sizes=("1 lb", "2 lb", "3 lb", "5 lb", "16 oz", "each"),
    ),
    CategorySpec(
        name="Meat & Seafood",
        department="Grocery",
        weight=0.8,
        price_range=(3.99, 19.99),
        cost_ratio_range=(0.6, 0.75),
        pack_sizes=(4, 6, 8),
        median_daily_units=3.0,
        yearly_amplitude=0.12,
        peak_day_of_year=185,
        holiday_sensitivity=1.2,
        weekly_profile=_GROCERY_WEEK,
        items=(
            "Ground Beef 80/20",
            "Chicken Breast",
            "Pork Chops",
            "Atlantic Salmon",
            "Bacon",
            "Italian Sausage",
            "Ribeye Steak",
            "Shrimp",
        ),
        sizes=("1 lb", "1.5 lb", "2 lb", "12 oz", "16 oz"),
    ),
    CategorySpec(
        name="Beverages",
        department="Grocery",
        weight=1.2,
        price_range=(0.99, 11.99),
        cost_ratio_range=(0.55, 0.7),
        pack_sizes=(6, 12, 24),
        median_daily_units=7.0,
        yearly_amplitude=0.25,
        peak_day_of_year=195,
        holiday_sensitivity=1.2,
        weekly_profile=_GROCERY_WEEK,
        items=(
            "Sparkling Water",
            "Cola",
            "Orange Juice",
            "Cold Brew Coffee",
            "Iced Tea",
            "Sports Drink",
            "Lemonade",
            "Spring Water",
        ),
        sizes=("12 oz", "20 oz", "1 L", "2 L", "6 pk", "12 pk", "24 pk"),
    ),
    CategorySpec(
        name="Snacks",
        department="Grocery",
        weight=1.0,
        price_range=(1.49, 5.99),
        cost_ratio_range=(0.5, 0.65),
        pack_sizes=(12, 24),
        median_daily_units=5.0,
        yearly_amplitude=0.1,
        peak_day_of_year=200,
        holiday_sensitivity=1.2,
        weekly_profile=_GROCERY_WEEK,
        items=(
            "Potato Chips",
            "Tortilla Chips",
            "Pretzels",
            "Trail Mix",
            "Granola Bars",
            "Popcorn",
            "Salsa",
            "Cookies",
            "Crackers",
        ),
        sizes=("5 oz", "8 oz", "10 oz", "13 oz", "16 oz", "6 ct"),
    ),
    CategorySpec(
        name="Frozen Foods",
        department="Grocery",
        weight=0.8,
        price_range=(2.49, 9.99),
        cost_ratio_range=(0.6, 0.7),
        pack_sizes=(6, 12),
        median_daily_units=4.0,
        yearly_amplitude=0.15,
        peak_day_of_year=200,
        holiday_sensitivity=0.9,
        weekly_profile=_GROCERY_WEEK,
        items=(
            "Vanilla Ice Cream",
            "Pepperoni Pizza",
            "Mixed Vegetables",
            "Chicken Nuggets",
            "Waffles",
            "Burritos",
            "Fruit Bars",
            "Fish Sticks",
        ),
        sizes=("12 oz", "16 oz", "24 oz", "1.5 qt", "6 ct"),
    ),
    CategorySpec(
        name="Pantry",
        department="Grocery",
        weight=1.2,
        price_range=(0.99, 8.99),
        cost_ratio_range=(0.6, 0.75),
        pack_sizes=(12, 24),
        median_daily_units=4.0,
        yearly_amplitude=0.12,
        peak_day_of_year=340,
        holiday_sensitivity=1.1,
        weekly_profile=_GROCERY_WEEK,
        items=(
            "Spaghetti",
            "Marinara Sauce",
            "Long Grain Rice",
            "Black Beans",
            "Peanut Butter",
            "All-Purpose Flour",
            "Granulated Sugar",
            "Olive Oil",
            "Chicken Broth",
            "Oatmeal",
        ),
        sizes=("15 oz", "16 oz", "24 oz", "32 oz", "2 lb", "5 lb"),
    ),
    CategorySpec(
        name="Cleaning Supplies",
        department="Household",
        weight=0.7,
        price_range=(1.99, 14.99),
        cost_ratio_range=(0.55, 0.7),
        pack_sizes=(6, 12),
        median_daily_units=2.0,
        yearly_amplitude=0.1,
        peak_day_of_year=100,
        holiday_sensitivity=0.5,
        weekly_profile=_HOUSEHOLD_WEEK,
        items=(
            "Dish Soap",
            "Laundry Detergent",
            "All-Purpose Cleaner",
            "Sponges",
            "Trash Bags",
            "Glass Cleaner",
            "Disinfecting Wipes",
        ),
        sizes=("16 oz", "32 oz", "64 oz", "3 ct", "30 ct", "75 ct"),
    ),
    CategorySpec(
        name="Paper Goods",
        department="Household",
        weight=0.5,
        price_range=(2.99, 24.99),
        cost_ratio_range=(0.6, 0.75),
        pack_sizes=(4, 6, 8),
        median_daily_units=2.5,
        yearly_amplitude=0.05,
        peak_day_of_year=15,
        holiday_sensitivity=0.6,
        weekly_profile=_HOUSEHOLD_WEEK,
        items=("Paper Towels", "Bath Tissue", "Facial Tissue", "Paper Plates", "Napkins"),
        sizes=("2 roll", "6 roll", "12 roll", "50 ct", "100 ct"),
    ),
    CategorySpec(
        name="Personal Care",
        department="Health & Beauty",
        weight=0.7,
        price_range=(1.99, 17.99),
        cost_ratio_range=(0.45, 0.6),
        pack_sizes=(6, 12),
        median_daily_units=1.8,
        yearly_amplitude=0.05,
        peak_day_of_year=190,
        holiday_sensitivity=0.5,
        weekly_profile=_HOUSEHOLD_WEEK,
        items=(
            "Shampoo",
            "Conditioner",
            "Body Wash",
            "Toothpaste",
            "Deodorant",
            "Sunscreen SPF 50",
            "Lip Balm",
            "Hand Lotion",
        ),
        sizes=("3 oz", "4 oz", "8 oz", "12 oz", "2 ct"),
    ),
    CategorySpec(
        name="Cold & Flu",
        department="Health & Beauty",
        weight=0.4,
        price_range=(3.99, 19.99),
        cost_ratio_range=(0.5, 0.65),
        pack_sizes=(6, 12),
        median_daily_units=1.5,
        yearly_amplitude=0.45,
        peak_day_of_year=20,
        holiday_sensitivity=0.3,
        weekly_profile=_HOUSEHOLD_WEEK,
        items=(
            "Cough Syrup",
            "Nasal Spray",
            "Throat Lozenges",
            "Pain Reliever",
            "Vitamin C",
            "Nighttime Cold Relief",
        ),
        sizes=("4 oz", "8 oz", "24 ct", "50 ct", "100 ct"),
    ),
    CategorySpec(
        name="Garden & Outdoor",
        department="General Merchandise",
        weight=0.4,
        price_range=(4.99, 59.99),
        cost_ratio_range=(0.5, 0.65),
        pack_sizes=(2, 4, 6),
        median_daily_units=1.5,
        yearly_amplitude=0.6,
        peak_day_of_year=135,
        holiday_sensitivity=0.6,
        weekly_profile=_GENERAL_WEEK,
        items=(
            "Potting Soil",
            "Garden Hose",
            "Charcoal Briquettes",
            "Bug Spray",
            "Flower Seeds",
            "Patio Lights",
            "Lawn Fertilizer",
        ),
        sizes=("1 ct", "8 qt", "16 lb", "25 ft", "50 ft"),
    ),
    CategorySpec(
        name="Toys & Games",
        department="General Merchandise",
        weight=0.3,
        price_range=(4.99, 49.99),
        cost_ratio_range=(0.5, 0.65),
        pack_sizes=(2, 4, 6),
        median_daily_units=1.2,
        yearly_amplitude=0.55,
        peak_day_of_year=350,
        holiday_sensitivity=1.6,
        weekly_profile=_GENERAL_WEEK,
        items=(
            "Building Blocks Set",
            "Board Game",
            "Jigsaw Puzzle",
            "Plush Bear",
            "Card Game",
            "Remote Control Car",
            "Art Kit",
        ),
        sizes=("1 ct", "500 pc", "1000 pc", "small", "large"),
    ),
)

DEPARTMENTS: tuple[str, ...] = tuple(dict.fromkeys(c.department for c in CATEGORIES))

BRANDS: tuple[str, ...] = (
    "Hearthside",
    "Green Meadow",
    "Blue Harbor",
    "Sunny Acres",
    "Oak & Ember",
    "Northfield",
    "Pure Basics",
    "Golden Fork",
    "Riverbend",
    "Maple Lane",
    "Brightway",
    "Silver Spoon",
    "Cedar Creek",
    "Happy Valley",
    "Urban Pantry",
    "Coastline",
    "Trailhead",
    "Homestead",
)

SUPPLIER_PREFIXES: tuple[str, ...] = (
    "Northwind",
    "Blue Ridge",
    "Prairie",
    "Summit",
    "Harbor",
    "Lone Star",
    "Evergreen",
    "Redwood",
    "Atlas",
    "Keystone",
    "Liberty",
    "Cascade",
    "Heartland",
    "Pioneer",
    "Silver Creek",
    "Sunbelt",
    "Great Lakes",
    "Bayou",
    "Granite State",
    "Pacific Crest",
)

# Per department: name suffixes, mean lead time range (days) and minimum-order choices
# (units per order line). Fresh grocery arrives within days; general merchandise is
# often imported through a distribution centre and takes weeks.
SUPPLIER_PROFILES: dict[str, tuple[tuple[str, ...], tuple[float, float], tuple[int, ...]]] = {
    "Grocery": (("Foods", "Provisions", "Farms", "Distributors"), (2.0, 6.0), (0, 6, 12)),
    "Household": (("Home Products", "Supply Co."), (4.0, 10.0), (0, 6, 12, 24)),
    "Health & Beauty": (("Health", "Labs", "Wellness"), (3.0, 9.0), (0, 6, 12)),
    "General Merchandise": (("Outdoor", "Trading Co.", "Imports"), (7.0, 18.0), (0, 4, 12)),
}


@dataclass(frozen=True)
class City:
    """A city a store can be placed in."""

    name: str
    region: str
    timezone: str
    weight: float
    """Relative chance of a store being here (bigger metros get more stores)."""


CITIES: tuple[City, ...] = (
    City("New York", "Northeast", "America/New_York", 3.0),
    City("Boston", "Northeast", "America/New_York", 1.5),
    City("Philadelphia", "Northeast", "America/New_York", 1.5),
    City("Pittsburgh", "Northeast", "America/New_York", 0.8),
    City("Atlanta", "Southeast", "America/New_York", 1.5),
    City("Miami", "Southeast", "America/New_York", 1.5),
    City("Charlotte", "Southeast", "America/New_York", 1.0),
    City("Detroit", "Midwest", "America/Detroit", 1.0),
    City("Indianapolis", "Midwest", "America/Indiana/Indianapolis", 0.8),
    City("Louisville", "Southeast", "America/Kentucky/Louisville", 0.6),
    City("Chicago", "Midwest", "America/Chicago", 2.5),
    City("Minneapolis", "Midwest", "America/Chicago", 1.0),
    City("St. Louis", "Midwest", "America/Chicago", 0.8),
    City("Nashville", "Southeast", "America/Chicago", 1.0),
    City("Dallas", "South Central", "America/Chicago", 2.0),
    City("Houston", "South Central", "America/Chicago", 2.0),
    City("Austin", "South Central", "America/Chicago", 1.2),
    City("Denver", "Mountain", "America/Denver", 1.2),
    City("Salt Lake City", "Mountain", "America/Denver", 0.7),
    City("Boise", "Mountain", "America/Boise", 0.4),
    City("Phoenix", "Mountain", "America/Phoenix", 1.5),
    City("Los Angeles", "West", "America/Los_Angeles", 2.5),
    City("San Diego", "West", "America/Los_Angeles", 1.2),
    City("San Francisco", "West", "America/Los_Angeles", 1.2),
    City("Seattle", "West", "America/Los_Angeles", 1.2),
    City("Portland", "West", "America/Los_Angeles", 0.8),
    City("Anchorage", "West", "America/Anchorage", 0.2),
    City("Honolulu", "West", "Pacific/Honolulu", 0.3),
)
