"""All ORM tables, imported here so that one metadata holds them (Alembic reads it)."""

from shelfops.models.base import Base
from shelfops.models.catalog import Product, Store, Supplier
from shelfops.models.experiments import ExperimentStatus, ModelExperiment
from shelfops.models.forecasts import DemandForecast, ForecastAccuracy
from shelfops.models.integrations import (
    IntegrationCredential,
    IntegrationEvent,
    IntegrationFile,
    IntegrationSyncLog,
)
from shelfops.models.monitoring import BacktestResult, MLAlert, MLAlertStatus, Severity
from shelfops.models.registry import (
    DecisionAction,
    ModelDecision,
    ModelRetrainingLog,
    ModelStatus,
    ModelVersion,
    RetrainTrigger,
    RunStatus,
    ShadowPrediction,
)
from shelfops.models.replenishment import (
    Alert,
    AlertStatus,
    PODecision,
    POStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    ReorderPolicy,
    ServiceLevelTarget,
)
from shelfops.models.sales import InventorySnapshot, Sale
from shelfops.models.tenancy import ApiKey, AuditLog, Customer, CustomerStatus, Role

__all__ = [
    "Alert",
    "AlertStatus",
    "ApiKey",
    "AuditLog",
    "BacktestResult",
    "Base",
    "Customer",
    "CustomerStatus",
    "DecisionAction",
    "DemandForecast",
    "ExperimentStatus",
    "ForecastAccuracy",
    "IntegrationCredential",
    "IntegrationEvent",
    "IntegrationFile",
    "IntegrationSyncLog",
    "InventorySnapshot",
    "MLAlert",
    "MLAlertStatus",
    "ModelDecision",
    "ModelExperiment",
    "ModelRetrainingLog",
    "ModelStatus",
    "ModelVersion",
    "PODecision",
    "POStatus",
    "Product",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "ReorderPolicy",
    "RetrainTrigger",
    "Role",
    "RunStatus",
    "Sale",
    "ServiceLevelTarget",
    "Severity",
    "ShadowPrediction",
    "Store",
    "Supplier",
]

# Every tenant-owned table; migration 0002 puts a row-level security policy on each.
TENANT_TABLES = sorted(
    t.name for t in Base.metadata.sorted_tables if "customer_id" in t.c and t.name != "customers"
)
