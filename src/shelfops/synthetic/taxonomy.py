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
    cover_days_range: tuple[float, float]
    """Days of demand an order covers: short for perishables, weeks for dry goods."""
    weekly_profile: tuple[float, float, float, float, float, float, float]
    items: tuple[tuple[str, tuple[str, ...]], ...]
    """Product types of the category, each with the pack sizes it comes in."""


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
        cover_days_range=(3.0, 7.0),
        weekly_profile=_GROCERY_WEEK,
        items=(
            ("Whole Milk", ("half gal", "1 gal")),
            ("2% Milk", ("half gal", "1 gal")),
            ("Greek Yogurt", ("5.3 oz", "32 oz")),
            ("Cheddar Cheese", ("8 oz", "16 oz")),
            ("Butter", ("8 oz", "16 oz")),
            ("Cream Cheese", ("8 oz",)),
            ("Sour Cream", ("16 oz",)),
            ("Shredded Mozzarella", ("8 oz", "16 oz")),
            ("Large Eggs", ("12 ct", "18 ct")),
            ("Oat Milk", ("64 oz",)),
        ),
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
        cover_days_range=(2.0, 4.0),
        weekly_profile=_GROCERY_WEEK,
        items=(
            ("Sourdough Loaf", ("24 oz",)),
            ("Whole Wheat Bread", ("20 oz", "24 oz")),
            ("Bagels", ("6 ct",)),
            ("Croissants", ("4 ct", "8 ct")),
            ("Dinner Rolls", ("12 ct",)),
            ("Blueberry Muffins", ("4 ct", "6 ct")),
            ("Flour Tortillas", ("10 ct", "20 ct")),
            ("Hamburger Buns", ("8 ct",)),
        ),
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
        cover_days_range=(2.0, 5.0),
        weekly_profile=_GROCERY_WEEK,
        items=(
            ("Bananas", ("2 lb", "3 lb")),
            ("Gala Apples", ("3 lb", "5 lb")),
            ("Baby Spinach", ("5 oz", "10 oz")),
            ("Strawberries", ("16 oz", "2 lb")),
            ("Avocados", ("4 ct", "each")),
            ("Russet Potatoes", ("5 lb", "10 lb")),
            ("Yellow Onions", ("3 lb",)),
            ("Baby Carrots", ("16 oz", "2 lb")),
            ("Romaine Hearts", ("3 ct",)),
            ("Blueberries", ("6 oz", "18 oz")),
        ),
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
        cover_days_range=(2.0, 5.0),
        weekly_profile=_GROCERY_WEEK,
        items=(
            ("Ground Beef 80/20", ("1 lb", "3 lb")),
            ("Chicken Breast", ("1.5 lb", "3 lb")),
            ("Pork Chops", ("1.5 lb",)),
            ("Atlantic Salmon", ("12 oz", "1 lb")),
            ("Bacon", ("12 oz", "16 oz")),
            ("Italian Sausage", ("19 oz",)),
            ("Ribeye Steak", ("12 oz", "1 lb")),
            ("Shrimp", ("12 oz", "2 lb")),
        ),
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
        cover_days_range=(7.0, 21.0),
        weekly_profile=_GROCERY_WEEK,
        items=(
            ("Sparkling Water", ("12 pk", "1 L")),
            ("Cola", ("2 L", "12 pk")),
            ("Orange Juice", ("52 oz", "89 oz")),
            ("Cold Brew Coffee", ("32 oz",)),
            ("Iced Tea", ("64 oz", "12 pk")),
            ("Sports Drink", ("28 oz", "8 pk")),
            ("Lemonade", ("52 oz",)),
            ("Spring Water", ("24 pk", "1 gal")),
        ),
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
        cover_days_range=(7.0, 21.0),
        weekly_profile=_GROCERY_WEEK,
        items=(
            ("Potato Chips", ("8 oz", "13 oz")),
            ("Tortilla Chips", ("11 oz", "16 oz")),
            ("Pretzels", ("16 oz",)),
            ("Trail Mix", ("10 oz", "26 oz")),
            ("Granola Bars", ("6 ct", "12 ct")),
            ("Microwave Popcorn", ("3 ct", "6 ct")),
            ("Salsa", ("16 oz", "24 oz")),
            ("Chocolate Chip Cookies", ("13 oz",)),
            ("Crackers", ("7 oz", "13 oz")),
        ),
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
        cover_days_range=(7.0, 14.0),
        weekly_profile=_GROCERY_WEEK,
        items=(
            ("Vanilla Ice Cream", ("1.5 qt",)),
            ("Pepperoni Pizza", ("20 oz", "28 oz")),
            ("Mixed Vegetables", ("12 oz", "32 oz")),
            ("Chicken Nuggets", ("24 oz", "32 oz")),
            ("Waffles", ("10 ct", "24 ct")),
            ("Bean Burritos", ("8 ct",)),
            ("Fruit Bars", ("6 ct",)),
            ("Fish Sticks", ("24 oz",)),
        ),
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
        cover_days_range=(10.0, 28.0),
        weekly_profile=_GROCERY_WEEK,
        items=(
            ("Spaghetti", ("16 oz",)),
            ("Marinara Sauce", ("24 oz",)),
            ("Long Grain Rice", ("2 lb", "5 lb")),
            ("Black Beans", ("15 oz",)),
            ("Peanut Butter", ("16 oz", "40 oz")),
            ("All-Purpose Flour", ("5 lb",)),
            ("Granulated Sugar", ("4 lb",)),
            ("Olive Oil", ("16.9 oz", "1 L")),
            ("Chicken Broth", ("32 oz",)),
            ("Rolled Oats", ("18 oz", "42 oz")),
        ),
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
        cover_days_range=(14.0, 35.0),
        weekly_profile=_HOUSEHOLD_WEEK,
        items=(
            ("Dish Soap", ("19 oz", "38 oz")),
            ("Laundry Detergent", ("64 oz", "92 oz")),
            ("All-Purpose Cleaner", ("32 oz",)),
            ("Sponges", ("3 ct", "6 ct")),
            ("Trash Bags 13 gal", ("45 ct", "90 ct")),
            ("Glass Cleaner", ("23 oz",)),
            ("Disinfecting Wipes", ("35 ct", "75 ct")),
        ),
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
        cover_days_range=(10.0, 28.0),
        weekly_profile=_HOUSEHOLD_WEEK,
        items=(
            ("Paper Towels", ("6 roll", "12 roll")),
            ("Bath Tissue", ("12 roll", "24 roll")),
            ("Facial Tissue", ("3 pk", "6 pk")),
            ("Paper Plates", ("50 ct", "100 ct")),
            ("Napkins", ("200 ct",)),
        ),
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
        cover_days_range=(14.0, 35.0),
        weekly_profile=_HOUSEHOLD_WEEK,
        items=(
            ("Shampoo", ("12 oz", "25 oz")),
            ("Conditioner", ("12 oz", "25 oz")),
            ("Body Wash", ("18 oz",)),
            ("Toothpaste", ("4 oz", "2 pk")),
            ("Deodorant", ("2.6 oz",)),
            ("Sunscreen SPF 50", ("8 oz",)),
            ("Lip Balm", ("3 pk",)),
            ("Hand Lotion", ("8 oz", "16 oz")),
        ),
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
        cover_days_range=(14.0, 35.0),
        weekly_profile=_HOUSEHOLD_WEEK,
        items=(
            ("Cough Syrup", ("4 oz", "8 oz")),
            ("Nasal Spray", ("1 oz",)),
            ("Throat Lozenges", ("30 ct", "80 ct")),
            ("Pain Reliever", ("100 ct", "225 ct")),
            ("Vitamin C", ("100 ct",)),
            ("Nighttime Cold Relief", ("12 oz", "24 ct")),
        ),
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
        cover_days_range=(14.0, 35.0),
        weekly_profile=_GENERAL_WEEK,
        items=(
            ("Potting Soil", ("8 qt", "1 cu ft")),
            ("Garden Hose", ("50 ft", "100 ft")),
            ("Charcoal Briquettes", ("8 lb", "16 lb")),
            ("Bug Spray", ("6 oz",)),
            ("Flower Seeds", ("1 pk",)),
            ("Patio String Lights", ("24 ft", "48 ft")),
            ("Lawn Fertilizer", ("15 lb",)),
        ),
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
        cover_days_range=(14.0, 35.0),
        weekly_profile=_GENERAL_WEEK,
        items=(
            ("Building Blocks Set", ("250 pc", "500 pc")),
            ("Board Game", ("1 ct",)),
            ("Jigsaw Puzzle", ("500 pc", "1000 pc")),
            ("Plush Bear", ("12 in", "18 in")),
            ("Card Game", ("1 ct",)),
            ("Remote Control Car", ("1 ct",)),
            ("Art Kit", ("1 ct",)),
        ),
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
